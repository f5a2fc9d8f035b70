"""How a rust-analyzer tool's declaration becomes an MCP tool (its flat parameters, annotations and
result model), and the path of one call, in order: the running service found through the server's
lifespan (`AnalyzerRuntime`); the arguments' file, workspace and position resolved (confined, the
workspace root found, a symbol name looked up), then the workspace's rust-analyzer started, synced
and ready (pool.run); the body handed its context as a snapshot (tools/declaration.py says which);
refusals and failures turned into answers."""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.tools import Tool
from mcp_types import CallToolResult
from pydantic import BaseModel

from rust_mcp.core.errors import Refusal
from rust_mcp.core.workspace_discovery import discover_project
from rust_mcp.mcp import capabilities
from rust_mcp.mcp.confirm import Confirmer, InputNeeded
from rust_mcp.mcp.connections import (
    ConnectionMemory,
    client_policy,
    model_result,
    progress_of,
    refusal_result,
    regroup,
    text_result,
)
from rust_mcp.mcp.registration import flat_parameters, strict_tool, tool_function

from .. import call_deadline
from ..call_deadline import CUT_MARGIN, CallDeadline, StillWorking
from ..lsp.errors import AnalyzerCrashed, AnalyzerRequestFailed
from ..places.positions import file_base, line_column_target, rust_file
from ..places.shown_paths import join_notes
from ..places.targets import Place, Target
from ..pool_start import HOW_TO_PICK, workspace_root
from ..runtime_start import RuntimeStart
from ..service import AnalyzerService
from ..workspace.readiness import StillIndexing
from ..workspace.workspaces import Workspace
from .declaration import (
    DEFAULT_TOOLCHAIN,
    DEFAULT_WORKSPACE,
    AnalyzerCall,
    AnalyzerTool,
    AtPosition,
    ConfirmCallback,
    InFile,
    InFileOrWorkspace,
    InWorkspace,
)
from .parameters import FilePoint, Position, file_path_of, waits_past_deadline, workspace_of

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


@dataclass(frozen=True)
class AnalyzerRuntime:
    """What the server keeps while it runs (its lifespan context): the service, or why there is none."""

    service: AnalyzerService | None
    missing: str | None
    memory: ConnectionMemory
    confirm_writes: bool

    def call(self, ctx: Context[Any, Any], service: AnalyzerService) -> AnalyzerCall:
        connection = self.memory.state(ctx)
        return AnalyzerCall(
            service,
            default=connection.get(DEFAULT_WORKSPACE) if connection is not None else None,
            report=progress_of(ctx),
            confirm=_confirmer_when_asked(ctx, self.confirm_writes),
            connection=connection,
            toolchain=connection.get(DEFAULT_TOOLCHAIN) if connection is not None else None,
            client_policy=functools.partial(client_policy, ctx),  # read only where a child starts
        )


def _confirmer_when_asked(ctx: Context[Any, Any], enabled: bool) -> ConfirmCallback:
    """The call's confirmation, made at its first question (only writes ask)."""
    made: list[Confirmer] = []

    async def confirm(question: str) -> bool:
        call_deadline.lift()  # the user answers in their own time: the call is not cut under them
        if not made:
            made.append(Confirmer(ctx, enabled))
        return await made[0](question)

    return confirm


async def _answer(
    tool: AnalyzerTool[Any], ctx: Context[Any, Any], arguments: dict[str, Any]
) -> CallToolResult:
    started = ctx.request_context.lifespan_context
    assert isinstance(started, RuntimeStart)
    runtime: AnalyzerRuntime = started.runtime if started.runtime is not None else await started.get()
    if runtime.service is None:
        return text_result(f"rust-analyzer is not available: {runtime.missing}", is_error=True)
    call = runtime.call(ctx, runtime.service)
    # wait=true (the Checking group): never cut, readiness up to check_timeout_secs
    asked_wait = waits_past_deadline(arguments) if tool.can_wait else None
    deadline = None if asked_wait is not None else runtime.service.answer_deadline  # one, for the call
    try:
        with call_deadline.asked_to_wait(asked_wait) if asked_wait is not None else nullcontext():
            model = await answer_by(deadline, lambda: run_tool(tool, call, arguments))
    except Refusal as exc:
        return refusal_result(str(exc))
    except InputNeeded as needed:  # 2026-07-28: the client asks the user, then calls again
        return needed.result  # type: ignore[return-value]
    except (StillIndexing, StillWorking) as exc:
        return text_result(str(exc), is_error=True)
    except AnalyzerCrashed as exc:
        return text_result(
            f"rust-analyzer stopped twice while answering ({exc}); see rust_analyzer_status", is_error=True
        )
    except TimeoutError:
        return text_result(
            "rust-analyzer did not answer in time; the request was cancelled. Try again, "
            "or narrow the question",
            is_error=True,
        )
    if not call.notes:
        return model_result(model, tool.render(model))
    said = "; ".join(call.notes)
    if "note" in type(model).model_fields:  # in the structured answer too (Codex shows it)
        model = model.model_copy(update={"note": join_notes(said, model.note)})
    text = tool.render(model)
    return model_result(model, text if said in text else f"{said}\n{text}")


async def answer_by(seconds: float | None, body: Callable[[], Awaitable[T]]) -> T:
    """`body()`, cut CUT_MARGIN before `seconds` from now, or half-way to a deadline that short (None
    or 0: never), with StillWorking; the deadline is the one every wait inside sees (call_deadline.py).
    Another cancellation (the client's) goes on."""
    if seconds is None or seconds <= 0:
        return await body()
    started = time.monotonic()
    deadline = CallDeadline(seconds, started, started + max(seconds - CUT_MARGIN, seconds / 2))
    token = call_deadline.CURRENT.set(deadline)
    try:
        with anyio.CancelScope(deadline=anyio.current_time() + deadline.cut_at - started) as scope:
            deadline.scope = scope
            return await body()
        raise StillWorking(deadline.still_working())
    finally:
        call_deadline.CURRENT.reset(token)


def mcp_tool(
    tool: AnalyzerTool[Any],
    *,
    sandboxed: bool,
    defaults: Mapping[str, Any],
) -> Tool:
    """The MCP tool for a declaration; `defaults` replace parameter defaults the server's settings
    set."""
    parameters, groups = flat_parameters(tool.function, skip=1)
    parameters = [p.replace(default=defaults[p.name]) if p.name in defaults else p for p in parameters]

    async def run(ctx: Context[Any, Any], **arguments: Any) -> CallToolResult:
        return await _answer(tool, ctx, regroup(arguments, groups))

    hints = capabilities.annotations(
        tool.capability, title=tool.title, sandboxed=sandboxed, idempotent=tool.idempotent
    )
    function = tool_function(
        run,
        name=tool.name,
        description=tool.description,
        parameters=parameters,
        output_model=tool.result_model,
    )
    return strict_tool(
        function,
        name=tool.name,
        description=tool.description,
        annotations=hints,
        output_model=tool.result_model,
    )


async def run_tool(tool: AnalyzerTool[M], call: AnalyzerCall, arguments: dict[str, Any]) -> M:
    """Resolve what the body's context holds (its file or workspace, and its position) before anything
    starts, then run the body once the workspace is ready, with a snapshot of it."""
    started = time.monotonic()
    if tool.check is not None:
        tool.check(**arguments)
    kind = tool.context
    if kind is AnalyzerCall:
        return await tool.function(call, **arguments)
    pool, place, path = call.service.pool, None, None
    if kind is AtPosition:
        place = await _place(call, _position(arguments))
        root = place.root
    elif kind is InFile or (kind is InFileOrWorkspace and arguments.get("file_path")):
        path = await resolve_file(call, file_path_of(arguments), workspace_of(arguments))
        root = await pool.root_for(path)
    else:
        root = await resolve_workspace(call, arguments.get("workspace"))

    async def body(workspace: Workspace) -> M:
        shared = (call, call.service, workspace, workspace.root, workspace.client, started)
        if place is not None:
            here: InWorkspace = AtPosition(*shared, await _target(call.service, workspace, place))
        elif kind is InWorkspace:
            here = InWorkspace(*shared)
        elif kind is InFileOrWorkspace:
            here = InFileOrWorkspace(*shared, path)
        else:
            assert path is not None
            here = InFile(*shared, path)
        return await tool.function(here, **arguments)

    return await run_in_workspace(call, root, body)


async def resolve_workspace(call: AnalyzerCall, workspace: str | None) -> Path:
    """The workspace a call works in: the one named, or the connection's default, or the server's
    first root. Where no Cargo.toml governs that directory (a repository root named as the
    workspace, as models pass their working directory), the one Cargo workspace below it, noted
    for the answer."""
    service = call.service
    start = service.workspace_directory(workspace, call.default)
    root, found = await workspace_root(start, service.roots, service.pool)  # as the start ahead chooses
    if found is not None:
        call.notes.append(found)
    return root


async def resolve_file(call: AnalyzerCall, raw: str, workspace: str | None) -> Path:
    """A `file_path` resolved: relative to the call's `workspace`, else the connection's default,
    else the server's first root; when it names nothing there and no Cargo.toml governs that
    root, relative to the one workspace below it (the base answers write their paths from)."""
    roots = call.service.roots
    base = file_base(roots, workspace, call.default)
    if base is None and not Path(raw).is_absolute() and not (roots.default / raw).exists():
        try:
            directory, found = await discover_project(roots.default, roots, HOW_TO_PICK)
        except Refusal:
            directory, found = roots.default, None  # none or several below: the plain refusal says so
        if found is not None and (directory / raw).exists():
            base = directory
            call.notes.append(found)
    return rust_file(roots, raw, base)


async def run_in_workspace(
    call: AnalyzerCall, root: Path, operation: Callable[[Workspace], Awaitable[M]]
) -> M:
    """`operation` in the ready workspace at `root`, its rust-analyzer on the call's toolchain; a
    timeout or failure explained by the service."""
    try:
        return await call.service.pool.run(root, operation, call.report, call.toolchain, call.client_policy)
    except (TimeoutError, AnalyzerRequestFailed) as exc:
        explained = call.service.explain(exc, root, call.toolchain)
        if explained is None:
            raise
        raise explained from exc


async def _place(call: AnalyzerCall, at: Position) -> Place:
    """A position's file resolved (confined, a Rust file) and its workspace (a symbol's: the call's)."""
    if at.file_path is not None:
        path = await resolve_file(call, at.file_path, at.workspace)
        return Place(await call.service.pool.root_for(path), path, at)
    if at.symbol is None:
        raise Refusal("pass file_path with line and column, or a symbol name such as `Point::norm2`")
    return Place(await resolve_workspace(call, at.workspace), None, at)


async def _target(service: AnalyzerService, workspace: Workspace, place: Place) -> Target:
    """A place's LSP position: its line and column checked against the file, or its symbol looked up."""
    at = place.query
    if place.path is not None and at.line is not None and at.column is not None:
        return line_column_target(
            service.sources, service.scope, workspace.root, place.path, at.line, at.column
        )
    return await service.symbol_target(workspace, place)


def _position(arguments: dict[str, Any]) -> Position:
    for value in arguments.values():
        if isinstance(value, Position):
            return value
    for value in arguments.values():
        if isinstance(value, FilePoint):
            return value.position()
    raise TypeError("a tool at a position takes a Position or a FilePoint")
