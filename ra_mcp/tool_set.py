"""The code behind rust-analyzer-mcp's tools: the declarations in listing order, the MCP tools made
from them, and the service they share, started in the background. ra_mcp/server.py lists the tools."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

import anyio
from mcp.server.mcpserver.tools import Tool

from rust_mcp.core.errors import Refusal
from rust_mcp.mcp.connections import ConnectionMemory

from .lsp import discovery_ahead
from .pool_start import cargo_helpers, pool_maker, start_ahead
from .runtime_start import RuntimeStart
from .service import AnalyzerService
from .settings import AnalyzerSettings
from .tools import audit, diagnostics, edits, navigation, runnables, symbols, workspace
from .tools.declaration import AnalyzerCall, AnalyzerTool
from .tools.mcp_adapter import AnalyzerRuntime, mcp_tool, resolve_workspace
from .workspace import shared_pools
from .workspace.pool import WorkspacePool
from .workspace.pool_key import pool_key

logger = logging.getLogger(__name__)

TOOLS: tuple[AnalyzerTool[Any], ...] = (
    symbols.rust_analyzer_symbols,
    navigation.rust_analyzer_definition,
    navigation.rust_analyzer_references,
    symbols.rust_analyzer_hover,
    symbols.rust_analyzer_completion,
    edits.rust_analyzer_format,
    edits.rust_analyzer_code_actions,
    diagnostics.rust_analyzer_diagnostics,
    diagnostics.rust_analyzer_workspace_diagnostics,
    workspace.rust_analyzer_set_workspace,
    edits.rust_analyzer_rename,
    symbols.rust_analyzer_workspace_symbol,
    navigation.rust_analyzer_implementations,
    navigation.rust_analyzer_type_definition,
    navigation.rust_analyzer_call_hierarchy,
    symbols.rust_analyzer_expand_macro,
    runnables.rust_analyzer_runnables,
    runnables.rust_analyzer_related_tests,
    edits.rust_analyzer_ssr,
    edits.rust_analyzer_apply_code_action,
    workspace.rust_analyzer_status,
    audit.rust_analyzer_unsafe_audit,
)
TOOLS_BY_NAME = {tool.name: tool for tool in TOOLS}


def build_tools(settings: AnalyzerSettings) -> list[Tool]:
    """Every tool of the server, from its declaration, with the server's settings."""
    return list(_tools(settings.sandboxed, tuple(settings.tool_defaults.items())))


@functools.cache
def _tools(sandboxed: bool, defaults: tuple[tuple[str, int], ...]) -> tuple[Tool, ...]:
    """The tools for these settings, made once: they hold no session's state (a call finds its
    session's runtime through its context), and an engine builds a server for every session."""
    return tuple(mcp_tool(tool, sandboxed=sandboxed, defaults=dict(defaults)) for tool in TOOLS)


async def start_runtime(settings: AnalyzerSettings, memory: ConnectionMemory) -> AnalyzerRuntime:
    """The service the tools use, or the reason there is none (rust-analyzer missing). Every
    rust-analyzer starts in the sandbox, from a real binary, after the dependency-fetch step."""
    analyzer, std_warning = await anyio.to_thread.run_sync(discovery_ahead.found, settings.rust_analyzer)
    if isinstance(analyzer, str):
        return AnalyzerRuntime(None, analyzer, memory, settings.confirm_writes)
    cargo = cargo_helpers(settings)
    make_pool = pool_maker(settings, analyzer, cargo)

    def make_service(pool: WorkspacePool) -> AnalyzerService:
        return AnalyzerService(
            settings.roots, pool, settings.log_dir, std_warning, cargo, settings.answer_deadline
        )

    # sessions whose key is equal share rust-analyzers (and the one early_start.py began); the
    # service (roots, scope) stays this one's
    service = shared_pools.REGISTRY.join(pool_key(settings, analyzer), make_pool, make_service)
    return AnalyzerRuntime(service, None, memory, settings.confirm_writes)


async def run_runtime(
    settings: AnalyzerSettings, memory: ConnectionMemory, started: RuntimeStart[AnalyzerRuntime]
) -> None:
    """Start the service (or record why there is none) for the calls waiting on `started`. Idle
    rust-analyzers are stopped by the registry's one eviction task (shared_pools.py)."""
    try:
        runtime = await start_runtime(settings, memory)
    except Exception as exc:  # a tool call must get an answer, not wait forever
        runtime = AnalyzerRuntime(None, f"start-up failed: {exc}", memory, settings.confirm_writes)
    started.made(runtime)


async def start_default_workspace(runtime: AnalyzerRuntime) -> None:
    """rust-analyzer started, before any call, on the workspace a call without `workspace` would
    use: the server's first root, or the one Cargo workspace below it (the same discovery as a call;
    nothing when there is none or several), by pool_start.start_ahead (under AHEAD, only where the
    dependencies are already fetched). Where early_start.py began it, this joins that start.
    Whatever fails here is left for that call to meet and report."""
    service = runtime.service
    if service is None:
        return
    root: Path | None = None
    try:
        root = await resolve_workspace(AnalyzerCall(service), None)
        await start_ahead(service.pool, root)
    except Refusal as exc:  # no Cargo workspace at the default root, several below it, a toolchain
        logger.info("no rust-analyzer started ahead on %s: %s", root or service.roots.default, exc)
    except Exception as exc:  # the first call starts it again and says why it could not
        logger.warning("rust-analyzer did not start ahead on %s: %s", root or service.roots.default, exc)
