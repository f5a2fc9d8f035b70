"""How a rust-analyzer tool is declared, and what its body is handed.

A tool is one typed async function marked `@analyzer_tool(capability, title, renderer)`. Its first
parameter is its context, and its type says what is resolved before the body runs (as ruff's server
hands a handler its snapshot):
- `AtPosition`: the position (`Position`, or a `FilePoint`) resolved to an LSP position, in its
  workspace, rust-analyzer started, synced and ready;
- `InFile`: the `file_path` (or a `FilePoint`'s file) confined and checked, in its ready workspace;
- `InWorkspace`: the `workspace` argument (or the connection's default) ready;
- `InFileOrWorkspace`: the `file_path` if given (relative to `workspace`), else as `InWorkspace`;
- `AnalyzerCall`: nothing; the body resolves what it needs itself.
The others are its arguments, where a position group such as `Position` stands for the fields
clients see; its docstring is the description and its return annotation the result model. If
rust-analyzer crashes while the body runs, the body runs once more on a new one (pool.run).
`check` refuses bad arguments before anything is resolved or started. tools/mcp_adapter.py makes
MCP tools of the declarations."""

from __future__ import annotations

import functools
import inspect
import time
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel

from rust_mcp.core.budgets import ProgressCallback
from rust_mcp.core.errors import Refusal
from rust_mcp.core.workspace_discovery import discover_project
from rust_mcp.mcp.capabilities import Capability
from rust_mcp.mcp.confirm import no_questions

from ..lsp.errors import AnalyzerRequestFailed
from ..places.positions import file_base, line_column_target, rust_file
from ..places.targets import Place, Target
from ..service import AnalyzerService
from ..workspace.workspaces import Workspace
from .parameters import FilePoint, Position

if TYPE_CHECKING:
    from ..lsp.client import AnalyzerClient

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
ConfirmCallback = Callable[[str], Awaitable[bool]]
DEFAULT_WORKSPACE = "default_workspace"
DEFAULT_TOOLCHAIN = "default_toolchain"  # set with rust_analyzer_set_workspace
HOW_TO_PICK = (
    'pass `workspace` (e.g. workspace="{example}"), or call rust_analyzer_set_workspace with it once'
)


@dataclass(frozen=True)
class AnalyzerCall:
    """What a tool gets besides its arguments: the service, this connection's default workspace,
    toolchain and memory (None when the connection is stateless), progress and the user's
    confirmation."""

    service: AnalyzerService
    default: Path | None = None
    report: ProgressCallback | None = None
    confirm: ConfirmCallback = no_questions
    connection: dict[str, Any] | None = None
    toolchain: str | None = None
    notes: list[str] = field(default_factory=list)  # said first in the answer (a workspace discovered)

    async def workspace_root(self, workspace: str | None) -> Path:
        """The workspace a call works in: the one named, or the connection's default, or the server's
        first root. Where no Cargo.toml governs that directory (a repository root named as the
        workspace, as models pass their working directory), the one Cargo workspace below it, noted
        for the answer."""
        start = self.service.workspace_directory(workspace, self.default)
        if not start.is_dir():  # a file named as the workspace: the project it is in
            return self.service.pool.root_for(start)
        directory, found = await discover_project(start, self.service.roots, HOW_TO_PICK)
        if found is not None:
            self.notes.append(found)
        return self.service.pool.root_for(directory)

    async def rust_file(self, raw: str, workspace: str | None) -> Path:
        """A `file_path` resolved: relative to the call's `workspace`, else the connection's default,
        else the server's first root; when it names nothing there and no Cargo.toml governs that
        root, relative to the one workspace below it (the base answers write their paths from)."""
        roots = self.service.roots
        base = file_base(roots, workspace, self.default)
        if base is None and not Path(raw).is_absolute() and not (roots.default / raw).exists():
            try:
                directory, found = await discover_project(roots.default, roots, HOW_TO_PICK)
            except Refusal:
                directory, found = roots.default, None  # none or several below: the plain refusal says so
            if found is not None and (directory / raw).exists():
                base = directory
                self.notes.append(found)
        return rust_file(roots, raw, base)

    async def run(self, root: Path, operation: Callable[[Workspace], Awaitable[T]]) -> T:
        """`operation` in the ready workspace at `root`, its rust-analyzer on this call's toolchain;
        a timeout or failure explained by the service."""
        try:
            return await self.service.pool.run(root, operation, self.report, self.toolchain)
        except (TimeoutError, AnalyzerRequestFailed) as exc:
            explained = self.service.explain(exc, root, self.toolchain)
            if explained is None:
                raise
            raise explained from exc


@dataclass(frozen=True)
class InWorkspace:
    """A body's context: its call and the ready workspace it answers in."""

    call: AnalyzerCall
    workspace: Workspace
    started: float  # time.monotonic() when the tool was called, before anything was resolved

    @property
    def service(self) -> AnalyzerService:
        return self.call.service

    @property
    def client(self) -> AnalyzerClient:
        return self.workspace.client

    @property
    def root(self) -> Path:
        return self.workspace.root


@dataclass(frozen=True)
class InFile(InWorkspace):
    """... and the Rust file the call is about."""

    path: Path


@dataclass(frozen=True)
class InFileOrWorkspace(InWorkspace):
    """... and the Rust file the call is limited to, if it names one (`file_path`, relative to the
    call's `workspace`); without one, the whole workspace."""

    path: Path | None


@dataclass(frozen=True)
class AtPosition(InWorkspace):
    """... and the position the call is about, resolved."""

    target: Target


Context = AnalyzerCall | InWorkspace


@dataclass(frozen=True)
class AnalyzerTool(Generic[M]):
    function: Callable[..., Awaitable[M]]
    capability: Capability
    title: str
    render: Callable[[M], str]
    idempotent: bool
    check: Callable[..., None] | None = None

    @property
    def name(self) -> str:
        return self.function.__name__

    @property
    def description(self) -> str:
        return inspect.cleandoc(self.function.__doc__ or "")

    @property
    def result_model(self) -> type[M]:
        model: type[M] = typing.get_type_hints(self.function)["return"]
        return model

    @functools.cached_property
    def context(self) -> type[Context]:
        """What the body's first parameter asks to be resolved (read once: it is asked every call)."""
        first = next(iter(inspect.signature(self.function).parameters))
        kind: type[Context] = typing.get_type_hints(self.function)[first]
        return kind

    async def run(self, call: AnalyzerCall, arguments: dict[str, Any]) -> M:
        """Resolve what the body's context holds, then run the body with it and the arguments."""
        started = time.monotonic()
        if self.check is not None:
            self.check(**arguments)
        kind, service = self.context, call.service
        if kind is AtPosition:
            at = _position(arguments)
            place = await _place(call, at)
            line, column = at.line, at.column

            async def at_position(workspace: Workspace) -> M:
                if place.path is not None and line is not None and column is not None:
                    at_line = (workspace.root, place.path, line, column)
                    target = line_column_target(service.sources, service.scope, *at_line)
                else:
                    target = await service.symbol_target(workspace, place)
                return await self.function(AtPosition(call, workspace, started, target), **arguments)

            return await call.run(place.root, at_position)
        if kind is InFile:
            path = await call.rust_file(_file_path(arguments), _workspace(arguments))

            async def in_file(workspace: Workspace) -> M:
                return await self.function(InFile(call, workspace, started, path), **arguments)

            return await call.run(service.pool.root_for(path), in_file)
        if kind is InFileOrWorkspace:
            file_path, workspace_arg = arguments.get("file_path"), arguments.get("workspace")
            limit = None
            if file_path:
                limit = await call.rust_file(file_path, workspace_arg)
            root = service.pool.root_for(limit) if limit else await call.workspace_root(workspace_arg)

            async def in_scope(workspace: Workspace) -> M:
                return await self.function(InFileOrWorkspace(call, workspace, started, limit), **arguments)

            return await call.run(root, in_scope)
        if kind is InWorkspace:

            async def in_workspace(workspace: Workspace) -> M:
                return await self.function(InWorkspace(call, workspace, started), **arguments)

            return await call.run(await call.workspace_root(arguments.get("workspace")), in_workspace)
        return await self.function(call, **arguments)


async def _place(call: AnalyzerCall, at: Position) -> Place:
    """Where a position tool looks: its file resolved (confined, a Rust file), and the workspace that
    answers; a symbol name without a file looks in the call's workspace."""
    if at.file_path is not None:
        path = await call.rust_file(at.file_path, at.workspace)
        return Place(call.service.pool.root_for(path), path, at)
    if at.symbol is None:
        raise Refusal("pass file_path with line and column, or a symbol name such as `Point::norm2`")
    return Place(await call.workspace_root(at.workspace), None, at)


def _position(arguments: dict[str, Any]) -> Position:
    for value in arguments.values():
        if isinstance(value, Position):
            return value
    for value in arguments.values():
        if isinstance(value, FilePoint):
            return value.position()
    raise TypeError("a tool at a position takes a Position or a FilePoint")


def _file_path(arguments: dict[str, Any]) -> str:
    if isinstance(path := arguments.get("file_path"), str):
        return path
    for value in arguments.values():
        if isinstance(value, FilePoint):
            return value.file_path
    raise TypeError("a tool in a file takes file_path or a FilePoint")


def _workspace(arguments: dict[str, Any]) -> str | None:
    """The `workspace` a file tool's relative `file_path` is taken from (models send it to every tool
    once they have seen it on one)."""
    if isinstance(workspace := arguments.get("workspace"), str):
        return workspace
    for value in arguments.values():
        if isinstance(value, FilePoint):
            return value.workspace
    return None


def analyzer_tool(
    capability: Capability,
    title: str,
    render: Callable[[M], str],
    *,
    idempotent: bool | None = None,
    check: Callable[..., None] | None = None,
) -> Callable[[Callable[..., Awaitable[M]]], AnalyzerTool[M]]:
    """Declare a tool; it is idempotent unless it writes (a repeated write is a second change).
    `check(**arguments)` refuses bad arguments before anything starts."""
    if idempotent is None:
        idempotent = capability in (Capability.READ, Capability.RUN)

    def declare(function: Callable[..., Awaitable[M]]) -> AnalyzerTool[M]:
        return AnalyzerTool(function, capability, title, render, idempotent, check)

    return declare
