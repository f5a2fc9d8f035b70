"""The parameters rust-analyzer tools share: one annotated type per concept (its description written
once), and the position groups a tool takes as one parameter and clients see as flat fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, Field

from rust_mcp.core.paging import Page, json_size, take_page
from rust_mcp.mcp.connections import ParameterGroup

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# Descriptions are terse on purpose: a model pays for them in every tool that takes the parameter, on
# every turn. What they share (1-based positions in characters, `symbol` instead of a position, the
# default workspace, previews until apply=true, paging) is said once, in the server's instructions.
FileArg = Annotated[str, Field(description="Rust source file.")]
OptionalFileArg = Annotated[str | None, Field(description="Rust source file (optional with `symbol`).")]
LineArg = Annotated[int | None, Field(ge=1)]
ColumnArg = Annotated[int | None, Field(ge=1)]
EndLineArg = Annotated[int | None, Field(ge=1)]
EndColumnArg = Annotated[int | None, Field(ge=1)]
SymbolArg = Annotated[str | None, Field(description="Instead of line/column, e.g. `Point::norm2`.")]
WorkspaceArg = str | None
ToolchainArg = Annotated[
    str | None,
    Field(description="rustup toolchain for rust-analyzer, over rust-toolchain.toml (e.g. stable)."),
]
ApplyArg = bool
BodyArg = bool
Direction = Literal["incoming", "outgoing", "both"]
Severity = Literal["error", "warning", "information", "hint"]
DirectionArg = Direction

LimitArg = Annotated[int, Field(ge=1, le=1000)]
OffsetArg = Annotated[int, Field(ge=0)]  # where a page starts: the offset a previous answer named


@dataclass(frozen=True, kw_only=True)
class Position(ParameterGroup):
    """Where a position tool looks: a file with a line and column, or a symbol's name (narrowed by
    the file, or by a line of it). Resolved once, before the tool body runs (tools/declaration.py)."""

    # clients see a group's fields in this order, whichever group of the family adds them
    ORDER: ClassVar[tuple[str, ...]] = (
        "file_path",
        "index",
        "line",
        "column",
        "end_line",
        "end_column",
        "symbol",
        "workspace",
        "title",
    )

    file_path: OptionalFileArg = None
    line: LineArg = None
    column: ColumnArg = None
    symbol: SymbolArg = None
    workspace: WorkspaceArg = None


@dataclass(frozen=True, kw_only=True)
class FilePosition(Position):
    """A position in a file the caller names."""

    file_path: FileArg = field()  # required here (without field(), Position's default would be inherited)


@dataclass(frozen=True, kw_only=True)
class FileRange(FilePosition):
    """A range from the position to `end_line`/`end_column` (by default the position itself)."""

    end_line: EndLineArg = None
    end_column: EndColumnArg = None


@dataclass(frozen=True, kw_only=True)
class CodeActionChoice(FileRange):
    """One of the code actions rust_analyzer_code_actions listed for a range."""

    index: Annotated[int, Field(ge=0, description="Number from rust_analyzer_code_actions.")]
    title: Annotated[str | None, Field(description="Its title; nothing is applied if it differs.")] = None


@dataclass(frozen=True, kw_only=True)
class FilePoint(ParameterGroup):
    """A line and column in a file, without a symbol to go by."""

    file_path: FileArg
    line: LineArg = None
    column: ColumnArg = None
    workspace: WorkspaceArg = None

    def position(self) -> Position:
        at = self
        return Position(file_path=at.file_path, line=at.line, column=at.column, workspace=at.workspace)


def workspace_of(arguments: Mapping[str, object]) -> str | None:
    """The `workspace` a file tool's relative `file_path` is taken from, given or in its FilePoint
    (models send it to every tool once they have seen it on one)."""
    if isinstance(workspace := arguments.get("workspace"), str):
        return workspace
    points = [value for value in arguments.values() if isinstance(value, FilePoint)]
    return points[0].workspace if points else None


def file_path_of(arguments: Mapping[str, object]) -> str:
    """A file tool's `file_path`, given or in its FilePoint."""
    if isinstance(path := arguments.get("file_path"), str):
        return path
    for value in arguments.values():
        if isinstance(value, FilePoint):
            return value.file_path
    raise TypeError("a tool in a file takes file_path or a FilePoint")


@dataclass(frozen=True, kw_only=True)
class Paging(ParameterGroup):
    """Which page of a ranked list: at most `limit` items (fewer when their JSON reaches the page
    budget) from `offset`, the number a previous answer's note named."""

    limit: LimitArg = 100
    offset: OffsetArg = 0

    def take(self, items: Sequence[M]) -> Page[M]:
        return self.take_by(items, json_size)

    def take_by(self, items: Sequence[T], size: Callable[[T], int]) -> Page[T]:
        """A page of items whose JSON size `size` tells (for items made only when on the page)."""
        return take_page(items, self.offset, self.limit, size)


WAIT_DESCRIPTION = "Wait past the answer deadline for indexing and the check, each up to check_timeout_secs."
CHECK_TIMEOUT = 300  # seconds; the server's --check-timeout replaces this default


@dataclass(frozen=True, kw_only=True)
class Checking(ParameterGroup):
    """What a diagnostics call adds from cargo check, how long it waits for it, and which findings it
    keeps (both diagnostics tools take it)."""

    include_check: Annotated[bool, Field(description="Also run cargo check and wait for it.")] = True
    check_timeout_secs: Annotated[int, Field(ge=1, le=3600)] = CHECK_TIMEOUT
    min_severity: Severity = "warning"
    wait: Annotated[bool, Field(description=WAIT_DESCRIPTION)] = False


def waits_past_deadline(arguments: Mapping[str, Any]) -> float | None:
    """With `wait=true` (the Checking group), a call waits past the answer deadline, its readiness up to
    its check_timeout_secs (call_deadline.ready_bound): those seconds; None without wait=true."""
    for value in (*arguments.values(), SimpleNamespace(**arguments)):
        if getattr(value, "wait", False) is True:
            return float(getattr(value, "check_timeout_secs", CHECK_TIMEOUT))
    return None
