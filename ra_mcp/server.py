"""The MCP face of ra_mcp: its tools, built from the declarations (ra_mcp/tool_set.py and
ra_mcp/tools) with the server, and the running service behind them, started in the background when
the session starts, with rust-analyzer on the default workspace (with --start-on-call: once the
client has had time to list the tools, or at the first call), and closed when the server stops."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp_types import Tool as MCPTool

from ra_mcp.tool_set import build_tools, run_runtime, start_default_workspace
from rust_mcp import __version__
from rust_mcp.mcp.codex_sandbox import declare_sandbox_state_meta
from rust_mcp.mcp.connections import ConnectionMemory
from rust_mcp.mcp.prompts import register_prompts
from rust_mcp.mcp.telemetry import keep_spans_only_when_exported

from .runtime_start import RuntimeStart
from .settings import AnalyzerSettings

__all__ = ["INSTRUCTIONS", "AnalyzerSettings", "build_server"]

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


class ListingServer(MCPServer[Any]):
    """The server, telling `listed` each time a client has the tools: the signal for what starts
    ahead of a call (RuntimeStart.until_listed)."""

    def __init__(self, listed: Callable[[], None], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listed = listed

    async def list_tools(self) -> list[MCPTool]:
        tools = await super().list_tools()
        self._listed()
        return tools


def build_server(settings: AnalyzerSettings, memory: ConnectionMemory | None = None) -> MCPServer[Any]:
    connections = memory or ConnectionMemory()
    sessions: list[RuntimeStart[Any]] = []  # the lifespans running (one, or one for all over HTTP)

    @asynccontextmanager
    async def lifespan(_: MCPServer[Any]) -> AsyncIterator[RuntimeStart[Any]]:
        started: RuntimeStart[Any] = RuntimeStart()
        ahead = anyio.CancelScope()  # rust-analyzer started on the default workspace before a call

        async def start() -> None:
            if settings.start_ahead:
                await started.until_listed()
            else:
                await started.until_wanted()
            await run_runtime(settings, connections, started)
            if settings.start_ahead and started.runtime is not None:
                with ahead:
                    await start_default_workspace(started.runtime)

        sessions.append(started)
        async with anyio.create_task_group() as group:
            group.start_soon(start)
            try:
                yield started
            finally:
                sessions.remove(started)
                # a start still under way stops first (its rust-analyzer killed, never kept), so
                # leaving closes every rust-analyzer this session started
                ahead.cancel()
                service = started.runtime.service if started.runtime is not None else None
                if service is not None:  # its pool closes unless another session or the engine keeps it
                    from .workspace.shared_pools import REGISTRY

                    await REGISTRY.leave(service)
                group.cancel_scope.cancel()

    def listed() -> None:
        for started in sessions:
            started.listed()

    server = ListingServer(
        listed,
        "rust-analyzer-mcp",
        version=__version__,
        instructions=INSTRUCTIONS,
        tools=build_tools(settings),
        lifespan=lifespan,
    )
    register_prompts(server, "rust-analyzer")
    declare_sandbox_state_meta(server)
    keep_spans_only_when_exported(server)
    return server
