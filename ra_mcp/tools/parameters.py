"""The parameters rust-analyzer tools share: one annotated type per concept (its description written
once), and the position groups a tool takes as one parameter and clients see as flat fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from rust_mcp.mcp.registration import ParameterGroup

FileArg = Annotated[
    str,
    Field(
        description="Rust source file (.rs): absolute, or relative to the workspace; must be inside the "
        "server's allowed roots."
    ),
]
OptionalFileArg = Annotated[
    str | None,
    Field(
        description="Rust source file (.rs) holding the position; optional when `symbol` names the target."
    ),
]
LineArg = Annotated[int | None, Field(ge=1, description="1-based line, as compilers and editors print it.")]
ColumnArg = Annotated[
    int | None, Field(ge=1, description="1-based column, counted in characters (not bytes or UTF-16 units).")
]
EndLineArg = Annotated[
    int | None, Field(ge=1, description="1-based last line of the range (default: `line`).")
]
EndColumnArg = Annotated[int | None, Field(ge=1, description="1-based column where the range ends.")]
SymbolArg = Annotated[
    str | None,
    Field(
        description="Instead of line and column: a symbol such as `Point::norm2`, `total_area` or "
        "`shapes::Circle`. With `line` but no `column`, the name on that line."
    ),
]
WorkspaceArg = Annotated[
    str | None,
    Field(
        description="Workspace (or any directory in it). Default: the one chosen with "
        "rust_analyzer_set_workspace, else the server's first root."
    ),
]
ApplyArg = Annotated[
    bool, Field(description="Write the change to disk. Default false: return a unified diff preview only.")
]
BodyArg = Annotated[bool, Field(description="Also return the source of each item found.")]
CheckArg = Annotated[
    bool,
    Field(
        description="Also run cargo check (rust-analyzer's flycheck, in its own target dir) and wait for it."
    ),
]
CheckTimeoutArg = Annotated[
    int, Field(ge=1, le=3600, description="Seconds to wait for cargo check before returning partial results.")
]
Direction = Literal["incoming", "outgoing", "both"]
Severity = Literal["error", "warning", "information", "hint"]
DirectionArg = Annotated[Direction, Field(description="incoming (callers), outgoing (callees) or both.")]
MinSeverityArg = Annotated[Severity, Field(description="Leave out anything less severe.")]

LimitArg = Annotated[
    int, Field(ge=1, le=1000, description="Most results to list; the total is always reported.")
]


@dataclass(frozen=True, kw_only=True)
class Position(ParameterGroup):
    """Where a position tool looks: a file with a line and column, or a symbol's name (narrowed by
    the file, or by a line of it). Resolved once, by AnalyzerService.place."""

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

    index: Annotated[int, Field(ge=0, description="The action's number from rust_analyzer_code_actions.")]
    title: Annotated[
        str | None,
        Field(
            description="The action's title as listed; if the code changed and "
            "the action at `index` differs, nothing is applied."
        ),
    ] = None


@dataclass(frozen=True, kw_only=True)
class FilePoint(ParameterGroup):
    """A line and column in a file, without a symbol to go by."""

    file_path: FileArg
    line: LineArg = None
    column: ColumnArg = None

    def position(self) -> Position:
        return Position(file_path=self.file_path, line=self.line, column=self.column)
