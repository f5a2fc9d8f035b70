"""The MCP face of ra_mcp: its tools as the shipped catalogue lists them (so the server answers
`tools/list` without importing the code behind them), and the running service behind them, started in
the background once the client has had time to list the tools, or at the first call, and closed when
the server stops. The tools' code is ra_mcp/tool_table.py and the declarations in ra_mcp/tools."""

from __future__ import annotations

import logging
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
from rust_mcp.mcp.registration import ToolLoader, load_schemas
from rust_mcp.mcp.telemetry import keep_spans_only_when_exported

from .runtime_start import RuntimeStart
from .settings import AnalyzerSettings

__all__ = ["INSTRUCTIONS", "AnalyzerSettings", "build_server"]
logger = logging.getLogger(__name__)

# What the tools share is said here once, not in every schema (see cargo_mcp/server.py's INSTRUCTIONS)
INSTRUCTIONS = (
    "Answers semantic questions about Rust code with rust-analyzer: definitions, references, hover, "
    "symbols by name, diagnostics (with cargo check), call hierarchy, macro expansion, and refactors "
    "(rename, SSR, code actions, format) that return a diff until called with apply=true.\n"
    "A position is `file_path` with 1-based `line` and `column` (in characters), or `symbol` instead "
    "(e.g. `Point::norm2`; with `line`, the name on that line). `workspace` (any directory in it) "
    "defaults to the one set with rust_analyzer_set_workspace, else the server's first root (or the "
    "one workspace below it). Files "
    "must be inside the server's allowed roots. Long answers come in pages: the note names the `offset` "
    "that returns the rest."
)


def build_server(settings: AnalyzerSettings, memory: ConnectionMemory | None = None) -> MCPServer[Any]:
    connections = memory or ConnectionMemory()
    catalogue = {} if settings.derive_schemas else load_schemas(__file__)

    def code_tools(known: Mapping[str, Mapping[str, Any]]) -> list[Tool]:
        from .tool_table import build_tools

        return build_tools(settings, known)

    loader = ToolLoader("ra_mcp.tool_table", lambda: code_tools(catalogue))

    @asynccontextmanager
    async def lifespan(_: MCPServer[Any]) -> AsyncIterator[RuntimeStart[Any]]:
        started: RuntimeStart[Any] = RuntimeStart()

        async def start() -> None:
            await started.until_wanted()
            try:
                await loader.preload()
                from .tool_table import run_runtime
            except Exception:  # every call then fails to load its tool, saying why
                logger.exception("loading the tools' code failed")
                return
            await run_runtime(settings, connections, started)

        async with anyio.create_task_group() as group:
            group.start_soon(start)
            try:
                yield started
            finally:
                service = started.runtime.service if started.runtime is not None else None
                if service is not None:  # its pool closes unless another session or the engine keeps it
                    from .shared_pools import REGISTRY

                    await REGISTRY.leave(service)
                group.cancel_scope.cancel()

    tools = (
        loader.listed(catalogue, sandboxed=settings.sandboxed, defaults=settings.tool_defaults)
        if catalogue
        else code_tools({})
    )
    server: MCPServer[Any] = MCPServer(
        "rust-analyzer-mcp", version=__version__, instructions=INSTRUCTIONS, tools=tools, lifespan=lifespan
    )
    register_prompts(server, "rust-analyzer")
    declare_sandbox_state_meta(server)
    keep_spans_only_when_exported(server)
    return server
