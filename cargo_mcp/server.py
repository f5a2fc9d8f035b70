"""The MCP face of cargo_mcp: one tool per whitelist row, generated, plus set_working_directory."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import CallToolResult
from pydantic import Field

from rust_mcp import __version__
from rust_mcp.core.errors import Refusal
from rust_mcp.mcp import capabilities
from rust_mcp.mcp.capabilities import Capability
from rust_mcp.mcp.codex_sandbox import client_policy, declare_sandbox_state_meta
from rust_mcp.mcp.confirm import Confirmer, InputNeeded
from rust_mcp.mcp.connections import ConnectionMemory
from rust_mcp.mcp.progress import call_progress
from rust_mcp.mcp.prompts import register_prompts
from rust_mcp.mcp.registration import load_schemas, model_result, refusal_result, strict_tool, tool_function
from rust_mcp.mcp.telemetry import keep_spans_only_when_exported

from . import render
from .calls import CargoService, CargoSettings
from .cargo_command import CargoCommand
from .commands import COMMANDS
from .models import CargoResult, WorkingDirectoryResult
from .parameters import REQUIRED

WORKING_DIRECTORY = "working_directory"
WORKING_DIRECTORY_PATH = "Inside the allowed roots."
# Said once here, not in every tool's schema: Codex shows a server's instructions to the model as the
# description of its tools' namespace (keep the first 512 characters self-contained), Claude Code
# keeps their first 2,048 characters.
INSTRUCTIONS = (
    "Runs whitelisted cargo commands on Rust projects inside the server's allowed roots and returns "
    "structured, sized results: diagnostics with file/line/column and fixes (errors first), test counts "
    "with each failure's output, and the path of the full log. Check with cargo_check, lint with "
    "cargo_clippy, test with cargo_test.\n"
    "Every tool takes `path` (project directory or a Cargo.toml in it; default: the directory given to "
    "set_working_directory, else the server's first root), `toolchain` (a rustup name such as stable, "
    "beta, nightly, 1.95.0 or nightly-2026-05-01; default CARGO_MCP_DEFAULT_TOOLCHAIN), `cargo_env` "
    "(extra environment, names to strings, allowlisted: cargo and rustc settings, RUSTFLAGS with allowed "
    "flags, RUST_BACKTRACE, RUST_LOG) and `timeout_secs` (default: the server's --default-timeout, 600 "
    "unless set). Other parameters are cargo's options of the same names. A value that is not allowed "
    "is refused with the reason and what is allowed; nothing runs. Diagnostics come in pages, errors "
    "first: a hint names the `offset` of the next page (cargo replays them from its cache)."
)


def cargo_tool(
    command: CargoCommand, service: CargoService, memory: ConnectionMemory
) -> Callable[..., Awaitable[CallToolResult]]:
    """A tool function whose signature is the row's parameter list (so the SDK derives the input
    schema from the table) and whose body is the one generic path through CargoService."""

    async def run_cargo(ctx: Context[Any, Any], **values: Any) -> CallToolResult:
        report = call_progress(ctx)
        working: Path | None = memory.get(ctx, WORKING_DIRECTORY)
        confirm = Confirmer(ctx, service.settings.confirm_destructive)
        try:
            result = await service.call(command, values, working, report, confirm, client_policy(ctx))
        except Refusal as exc:
            return refusal_result(str(exc))
        except InputNeeded as needed:  # 2026-07-28: the client asks the user, then calls again
            return needed.result  # type: ignore[return-value]
        return model_result(result, render.result_text(result), is_error=not result.ok)

    parameters = [
        inspect.Parameter(
            param.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=inspect.Parameter.empty if param.default is REQUIRED else param.default,
            annotation=Annotated[param.annotation, Field(description=param.description or None)],
        )
        for param in command.parameters()
    ]
    return tool_function(
        run_cargo,
        name=command.name,
        description=command.description,
        parameters=parameters,
        output_model=CargoResult,
    )


def build_server(settings: CargoSettings, memory: ConnectionMemory | None = None) -> MCPServer[Any]:
    memory = memory or ConnectionMemory()
    service = CargoService(settings)
    known = {} if settings.derive_schemas else load_schemas(__file__)
    tools = [
        strict_tool(
            cargo_tool(command, service, memory),
            name=command.name,
            description=command.description,
            annotations=command.annotations(service.containment.sandbox.sandboxed),
            output_model=CargoResult,
            known=known.get(command.name),
        )
        for command in COMMANDS
    ]

    async def set_working_directory(
        path: Annotated[
            str,
            Field(description=WORKING_DIRECTORY_PATH),
        ],
        ctx: Context[Any, Any],
    ) -> CallToolResult:
        state = memory.state(ctx)
        if state is None:
            return refusal_result(
                "this connection is stateless (protocol 2026-07-28 over HTTP), so there is nothing to "
                "remember a working directory in; pass `path` with each call instead"
            )
        try:
            directory, result = service.working_directory(path, state.get(WORKING_DIRECTORY))
        except Refusal as exc:
            return refusal_result(str(exc))
        state[WORKING_DIRECTORY] = directory
        return model_result(result, f"working directory: {result.working_directory}\n{result.note}")

    tools.append(
        strict_tool(
            set_working_directory,
            name="set_working_directory",
            description="Set this connection's default project directory (other clients keep theirs).",
            annotations=capabilities.annotations(
                Capability.READ,
                title="Set working directory",
                sandboxed=service.containment.sandbox.sandboxed,
                idempotent=True,
            ),
            output_model=WorkingDirectoryResult,
            known=known.get("set_working_directory"),
        )
    )
    server: MCPServer[Any] = MCPServer(
        "cargo-mcp", version=__version__, instructions=INSTRUCTIONS, tools=tools
    )
    register_prompts(server, "cargo")
    declare_sandbox_state_meta(server)
    keep_spans_only_when_exported(server)
    return server
