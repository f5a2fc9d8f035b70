"""How a rust-analyzer tool is declared, and how a declaration becomes an MCP tool.

A tool is one typed async function marked `@analyzer_tool(capability, title, renderer)`. Its first
parameter is the call (`AnalyzerCall`); the others are its arguments, where a position group such as
`Position` stands for the fields clients see; its docstring is the description and its return
annotation the result model. The server lists the declarations and adapts each with `mcp_tool`; the
running service reaches the call through the server's lifespan (`AnalyzerRuntime`)."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.tools import Tool
from mcp_types import CallToolResult
from pydantic import BaseModel

from rust_mcp.core.budgets import ProgressCallback
from rust_mcp.core.client_policy import current_client_policy
from rust_mcp.core.errors import Refusal
from rust_mcp.core.workspace_discovery import discover_project
from rust_mcp.mcp import capabilities
from rust_mcp.mcp.capabilities import Capability
from rust_mcp.mcp.codex_sandbox import client_policy
from rust_mcp.mcp.confirm import Confirmer, InputNeeded, no_questions
from rust_mcp.mcp.connections import ConnectionMemory
from rust_mcp.mcp.progress import call_progress
from rust_mcp.mcp.registration import (
    flat_parameters,
    model_result,
    refusal_result,
    regroup,
    strict_tool,
    text_result,
    tool_function,
)

from ..analyzer import AnalyzerService, PositionQuery, Target
from ..lsp_errors import AnalyzerCrashed
from ..runtime_start import RuntimeStart
from ..shown_paths import join_notes
from ..workspaces import StillIndexing, Workspace

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

    async def workspace_root(self, workspace: str | None, *, look_below: bool = False) -> Path:
        """The workspace a call works in: the one named, or the connection's default, or the server's
        first root. Where no Cargo.toml governs the default (or, with `look_below`, the directory
        named), the one Cargo workspace below it, noted for the answer."""
        if workspace is not None and not look_below:
            return self.service.workspace_root(workspace, self.default)
        start = self.service.workspace_directory(workspace, self.default)
        directory, found = await discover_project(start, self.service.roots, HOW_TO_PICK)
        if found is not None:
            self.notes.append(found)
        return self.service.pool.root_for(directory)

    async def run(self, root: Path, operation: Callable[[Workspace], Awaitable[T]]) -> T:
        """`operation` in the ready workspace at `root`, its rust-analyzer on this call's toolchain."""
        return await self.service.run(root, operation, self.report, self.toolchain)

    async def at_position(self, at: PositionQuery, answer: Callable[[Workspace, Target], Awaitable[T]]) -> T:
        """Resolve `at` (its file once, before anything starts), then answer in its ready workspace."""
        named = at.file_path is not None or at.symbol is None
        place = self.service.place(
            at, self.default, None if named else await self.workspace_root(at.workspace)
        )

        async def operation(workspace: Workspace) -> T:
            return await answer(workspace, await self.service.target(workspace, place))

        return await self.run(place.root, operation)

    async def in_file(self, file_path: str, answer: Callable[[Workspace, Path], Awaitable[T]]) -> T:
        """Answer about one Rust file, in the workspace it belongs to."""
        path = self.service.rust_file(file_path, self.default)

        async def operation(workspace: Workspace) -> T:
            return await answer(workspace, path)

        return await self.run(self.service.pool.root_for(path), operation)

    async def in_workspace(self, workspace: str | None, answer: Callable[[Workspace], Awaitable[T]]) -> T:
        """Answer in the workspace named, or the connection's default, or the server's first root."""
        return await self.run(await self.workspace_root(workspace), answer)


@dataclass(frozen=True)
class AnalyzerTool(Generic[M]):
    function: Callable[..., Awaitable[M]]
    capability: Capability
    title: str
    render: Callable[[M], str]
    idempotent: bool

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


def analyzer_tool(
    capability: Capability, title: str, render: Callable[[M], str], *, idempotent: bool | None = None
) -> Callable[[Callable[..., Awaitable[M]]], AnalyzerTool[M]]:
    """Declare a tool; it is idempotent unless it writes (a repeated write is a second change)."""
    if idempotent is None:
        idempotent = capability in (Capability.READ, Capability.RUN)

    def declare(function: Callable[..., Awaitable[M]]) -> AnalyzerTool[M]:
        return AnalyzerTool(function, capability, title, render, idempotent)

    return declare


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
            report=call_progress(ctx),
            confirm=Confirmer(ctx, self.confirm_writes),
            connection=connection,
            toolchain=connection.get(DEFAULT_TOOLCHAIN) if connection is not None else None,
        )


async def _answer(
    tool: AnalyzerTool[Any], ctx: Context[Any, Any], arguments: dict[str, Any]
) -> CallToolResult:
    started = ctx.request_context.lifespan_context
    assert isinstance(started, RuntimeStart)
    runtime: AnalyzerRuntime = await started.get()
    if runtime.service is None:
        return text_result(f"rust-analyzer is not available: {runtime.missing}", is_error=True)
    current_client_policy.set(client_policy(ctx))  # this call's task only
    call = runtime.call(ctx, runtime.service)
    try:
        model = await tool.function(call, **arguments)
    except Refusal as exc:
        return refusal_result(str(exc))
    except InputNeeded as needed:  # 2026-07-28: the client asks the user, then calls again
        return needed.result  # type: ignore[return-value]
    except StillIndexing as exc:
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
