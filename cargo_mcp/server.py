"""The MCP face of cargo_mcp: its tools as the shipped catalogue lists them (so the server answers
`tools/list` without importing the code behind them), that code (cargo_mcp/tool_set.py) loaded in the
background once the client has had time to list them, or at the first call."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.tools import Tool

from rust_mcp import __version__
from rust_mcp.mcp.codex_sandbox import declare_sandbox_state_meta
from rust_mcp.mcp.connections import ConnectionMemory
from rust_mcp.mcp.prompts import register_prompts
from rust_mcp.mcp.registration import START_DELAY, ToolLoader, load_schemas
from rust_mcp.mcp.telemetry import keep_spans_only_when_exported

from .settings import CargoSettings

# Said once here, not in every tool's schema: Codex shows a server's instructions to the model as the
# description of its tools' namespace (keep the first 512 characters self-contained), Claude Code
# keeps their first 2,048 characters.
INSTRUCTIONS = (
    "Runs whitelisted cargo commands on Rust projects inside the server's allowed roots and returns "
    "structured, sized results: diagnostics with file/line/column and fixes (errors first), test counts "
    "with each failure's output, and the path of the full log. Check with cargo_check, lint with "
    "cargo_clippy, test with cargo_test.\n"
    "Every tool takes `path` (project directory or a Cargo.toml in it; default: the directory given to "
    "set_working_directory, else the server's first root, or the one workspace below it), `toolchain` "
    "(a rustup name such as stable, beta, nightly, 1.95.0 or nightly-2026-05-01; default "
    "CARGO_MCP_DEFAULT_TOOLCHAIN), `cargo_env` "
    "(extra environment, names to strings, allowlisted: cargo and rustc settings, RUSTFLAGS with allowed "
    "flags, RUST_BACKTRACE, RUST_LOG) and `timeout_secs` (default: the server's --default-timeout, 600 "
    "unless set). Other parameters are cargo's options of the same names. A value that is not allowed "
    "is refused with the reason and what is allowed; nothing runs. Long lists come in pages (diagnostics "
    "errors first, cargo_metadata's members, cargo_tree's lines): the answer names the `offset` of the "
    "next page (cargo replays diagnostics from its cache)."
)


def build_server(settings: CargoSettings, memory: ConnectionMemory | None = None) -> MCPServer[Any]:
    connections = memory or ConnectionMemory()
    catalogue = {} if settings.derive_schemas else load_schemas(__file__)

    def code_tools(known: Mapping[str, Mapping[str, Any]]) -> list[Tool]:
        from .tool_set import build_tools

        return build_tools(settings, connections, known)

    loader = ToolLoader("cargo_mcp.tool_set", lambda: code_tools(catalogue))

    @asynccontextmanager
    async def lifespan(_: MCPServer[Any]) -> AsyncIterator[None]:
        async def preload() -> None:
            await anyio.sleep(START_DELAY)
            await loader.preload()

        async with anyio.create_task_group() as group:
            if catalogue:
                group.start_soon(preload)
            try:
                yield None
            finally:
                group.cancel_scope.cancel()

    tools = loader.listed(catalogue, sandboxed=settings.sandboxed) if catalogue else code_tools({})
    server: MCPServer[Any] = MCPServer(
        "cargo-mcp", version=__version__, instructions=INSTRUCTIONS, tools=tools, lifespan=lifespan
    )
    register_prompts(server, "cargo")
    declare_sandbox_state_meta(server)
    keep_spans_only_when_exported(server)
    return server
