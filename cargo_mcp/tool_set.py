"""The code behind cargo-mcp's tools: one tool per whitelist row, generated, plus
set_working_directory, all through the one CargoService. cargo_mcp/server.py lists them."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.tools import Tool
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import Field

from cargo_mcp.results.models import CargoResult, WorkingDirectoryResult
from cargo_mcp.run.cargo_service import CargoService
from cargo_mcp.run.invocation import CallRequest
from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.table.command import CargoCommand
from cargo_mcp.table.parameters import REQUIRED
from cargo_mcp.table.rows import COMMANDS
from cargo_mcp.workflows.call_routes import answer_call, working_directory
from rust_mcp.core.errors import Refusal
from rust_mcp.mcp import capabilities
from rust_mcp.mcp.capabilities import Capability
from rust_mcp.mcp.confirm import Confirmer, InputNeeded, no_questions
from rust_mcp.mcp.connections import (
    ConnectionMemory,
    client_policy,
    model_result,
    progress_of,
    refusal_result,
)
from rust_mcp.mcp.registration import strict_tool, tool_function

WORKING_DIRECTORY = "working_directory"
WORKING_DIRECTORY_PATH = "Inside the allowed roots."
# one object for every build of the tools, so strict_tool finds what it derived (see command_parameters)
WorkingDirectoryPath = Annotated[str, Field(description=WORKING_DIRECTORY_PATH)]


def cargo_tool(
    command: CargoCommand, service: CargoService, memory: ConnectionMemory
) -> Callable[..., Awaitable[CallToolResult]]:
    """A tool function whose signature is the row's parameter list (so the SDK derives the input
    schema from the table) and whose body is the one generic path through CargoService."""

    async def run_cargo(ctx: Context[Any, Any], **values: Any) -> CallToolResult:
        report = progress_of(ctx)
        working: Path | None = memory.get(ctx, WORKING_DIRECTORY)
        confirm = no_questions  # only a row that asks before it acts needs a confirmer
        if command.confirmation:
            confirm = Confirmer(ctx, service.settings.confirm_destructive)
        try:
            policy = client_policy(ctx)
            request = CallRequest(command, values, working, report, policy)
            answered = await answer_call(service, request, confirm)
        except Refusal as exc:
            return refusal_result(str(exc))
        except InputNeeded as needed:  # 2026-07-28: the client asks the user, then calls again
            return needed.result  # type: ignore[return-value]
        result, text = answered
        failed = not result.ok and not result.running
        refused = bool(result.data and (result.data.get("refused") or result.data.get("error")))
        return model_result(result, text, is_error=failed or refused)

    return tool_function(
        run_cargo,
        name=command.name,
        description=command.description,
        parameters=list(command_parameters(command)),
        output_model=CargoResult,
    )


def row_annotations(command: CargoCommand, sandboxed: bool) -> ToolAnnotations:
    """The MCP hints that follow from a row's effect (see capabilities.annotations)."""
    effect = command.effect
    return capabilities.annotations(
        effect.capability,
        title=effect.title,
        sandboxed=sandboxed,
        idempotent=effect.idempotent,
        open_world=effect.open_world,
    )


@functools.cache
def command_parameters(command: CargoCommand) -> tuple[inspect.Parameter, ...]:
    """The row's parameters as the tool function's signature, made once: an engine builds the tools
    for every session, and the same signature lets strict_tool reuse what it derived from it."""
    return tuple(
        inspect.Parameter(
            param.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=inspect.Parameter.empty if param.default is REQUIRED else param.default,
            annotation=Annotated[param.annotation, Field(description=param.description or None)],
        )
        for param in command.parameters()
    )


def build_tools(settings: CargoSettings, memory: ConnectionMemory) -> list[Tool]:
    """Every tool of the server, from the code: one per whitelist row and set_working_directory."""
    service = CargoService(settings)
    tools = [
        strict_tool(
            cargo_tool(command, service, memory),
            name=command.name,
            description=command.description,
            annotations=row_annotations(command, service.containment.sandbox.sandboxed),
            output_model=CargoResult,
        )
        for command in COMMANDS
    ]

    async def set_working_directory(
        path: WorkingDirectoryPath,
        ctx: Context[Any, Any],
    ) -> CallToolResult:
        state = memory.state(ctx)
        if state is None:
            return refusal_result(
                "this connection is stateless (protocol 2026-07-28 over HTTP), so there is nothing to "
                "remember a working directory in; pass `path` with each call instead"
            )
        try:
            directory, result = await working_directory(service, path, state.get(WORKING_DIRECTORY))
        except Refusal as exc:
            return refusal_result(str(exc))
        state[WORKING_DIRECTORY] = directory
        return model_result(result, f"working directory: {result.working_directory}\n{result.note}")

    tools.append(
        strict_tool(
            set_working_directory,
            name="set_working_directory",
            description="Set this connection's default project directory (others keep theirs).",
            annotations=capabilities.annotations(
                Capability.READ,
                title="Set working directory",
                sandboxed=service.containment.sandbox.sandboxed,
                idempotent=True,
            ),
            output_model=WorkingDirectoryResult,
        )
    )
    return tools
