"""How a rust-analyzer tool's declaration becomes an MCP tool: its flat parameters, annotations and
result model, and the call that finds the running service through the server's lifespan
(`AnalyzerRuntime`), runs the declaration and turns refusals and failures into answers."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.tools import Tool
from mcp_types import CallToolResult

from rust_mcp.core.budgets import ProgressCallback
from rust_mcp.core.errors import Refusal
from rust_mcp.mcp import capabilities
from rust_mcp.mcp.codex_sandbox import client_policy
from rust_mcp.mcp.confirm import Confirmer, InputNeeded
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

from ..lsp.errors import AnalyzerCrashed
from ..places.shown_paths import join_notes
from ..runtime_start import RuntimeStart
from ..service import AnalyzerService
from ..workspace.workspaces import StillIndexing
from .declaration import DEFAULT_TOOLCHAIN, DEFAULT_WORKSPACE, AnalyzerCall, AnalyzerTool, ConfirmCallback


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
            report=_progress_when_reported(ctx),
            confirm=_confirmer_when_asked(ctx, self.confirm_writes),
            connection=connection,
            toolchain=connection.get(DEFAULT_TOOLCHAIN) if connection is not None else None,
            client_policy=functools.partial(client_policy, ctx),  # read only where a child starts
        )


def _progress_when_reported(ctx: Context[Any, Any]) -> ProgressCallback:
    """The call's progress callback, made at its first report (most calls report nothing)."""
    made: list[ProgressCallback] = []

    async def report(progress: float, total: float | None, message: str) -> None:
        if not made:
            made.append(call_progress(ctx))
        await made[0](progress, total, message)

    return report


def _confirmer_when_asked(ctx: Context[Any, Any], enabled: bool) -> ConfirmCallback:
    """The call's confirmation, made at its first question (only writes ask)."""
    made: list[Confirmer] = []

    async def confirm(question: str) -> bool:
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
    try:
        model = await tool.run(call, arguments)
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
