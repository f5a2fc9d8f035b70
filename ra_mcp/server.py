"""The MCP face of ra_mcp: the tools, in the order clients list them, and the running service behind
them (created when the server starts, closed when it stops). Each tool is declared in ra_mcp/tools."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer

from rust_mcp import __version__
from rust_mcp.core.cargo_helpers import CargoHelpers
from rust_mcp.core.containment import Containment
from rust_mcp.core.full_text import server_log_dir
from rust_mcp.core.read_scope import ReadScope
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.core.sandbox import Sandbox, SandboxMode
from rust_mcp.core.toolchains import Toolchains
from rust_mcp.mcp.codex_sandbox import declare_sandbox_state_meta
from rust_mcp.mcp.connections import ConnectionMemory
from rust_mcp.mcp.prompts import register_prompts
from rust_mcp.mcp.registration import load_schemas
from rust_mcp.mcp.telemetry import keep_spans_only_when_exported

from .analyzer import AnalyzerService
from .containment import AnalyzerSandbox
from .discovery import Analyzer, AnalyzerMissing, find_analyzer, std_sources_env
from .tools import audit, diagnostics, edits, navigation, runnables, symbols, workspace
from .tools.declaration import AnalyzerRuntime, AnalyzerTool, RuntimeStart, mcp_tool
from .workspaces import PoolSettings, WorkspacePool

# What the tools share is said here once, not in every schema (see cargo_mcp/server.py's INSTRUCTIONS)
INSTRUCTIONS = (
    "Answers semantic questions about Rust code with rust-analyzer: definitions, references, hover, "
    "symbols by name, diagnostics (with cargo check), call hierarchy, macro expansion, and refactors "
    "(rename, SSR, code actions, format) that return a diff until called with apply=true.\n"
    "A position is `file_path` with 1-based `line` and `column` (in characters), or `symbol` instead "
    "(e.g. `Point::norm2`; with `line`, the name on that line). `workspace` (any directory in it) "
    "defaults to the one set with rust_analyzer_set_workspace, else the server's first root. Files "
    "must be inside the server's allowed roots. Long answers come in pages: the note names the `offset` "
    "that returns the rest."
)

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


@dataclass(frozen=True)
class AnalyzerSettings:
    roots: AllowedRoots
    rust_analyzer: str | None = None
    pool: PoolSettings = field(default_factory=PoolSettings)
    check_timeout: int = 300
    confirm_writes: bool = True
    sandbox: SandboxMode = "auto"
    log_dir: Path = field(default_factory=lambda: server_log_dir("rust-analyzer-mcp"))  # full diffs
    derive_schemas: bool = False  # list the schemas the code derives, not the shipped ones (docs)


def _discover(explicit: str | None) -> tuple[Analyzer | str, str | None]:
    """The rust-analyzer to run (or why there is none) and the std-sources warning: both run
    programs, so the server asks in a worker thread."""
    try:
        analyzer: Analyzer | str = find_analyzer(explicit)
    except AnalyzerMissing as exc:
        analyzer = str(exc)
    return analyzer, std_sources_env()[1]


async def start_runtime(settings: AnalyzerSettings, memory: ConnectionMemory) -> AnalyzerRuntime:
    """The service the tools use, or the reason there is none (rust-analyzer missing). Every
    rust-analyzer starts in the sandbox, from a real binary, after the dependency-fetch step."""
    analyzer, std_warning = await anyio.to_thread.run_sync(_discover, settings.rust_analyzer)
    if isinstance(analyzer, str):
        return AnalyzerRuntime(None, analyzer, memory, settings.confirm_writes)
    containment = Containment(Sandbox(settings.sandbox), settings.roots)
    cargo = CargoHelpers(containment, Toolchains())
    service: AnalyzerService | None = None

    def record_std_warning(warning: str | None) -> None:
        if service is not None:
            service.std_warning = warning

    launcher = AnalyzerSandbox(cargo, analyzer, record_std_warning)
    scope = ReadScope.for_roots(settings.roots, containment.home.path)
    pool = WorkspacePool(settings.roots, analyzer, {}, settings.pool, launcher.command, scope)
    service = AnalyzerService(settings.roots, pool, settings.log_dir, std_warning, cargo)
    return AnalyzerRuntime(service, None, memory, settings.confirm_writes)


def build_server(settings: AnalyzerSettings, memory: ConnectionMemory | None = None) -> MCPServer[Any]:
    connections = memory or ConnectionMemory()
    defaults = {"check_timeout_secs": settings.check_timeout}
    sandboxed = settings.sandbox != "off"
    known = {} if settings.derive_schemas else load_schemas(__file__)
    tools = [
        mcp_tool(tool, sandboxed=sandboxed, defaults=defaults, known=known.get(tool.name)) for tool in TOOLS
    ]

    @asynccontextmanager
    async def lifespan(_: MCPServer[Any]) -> AsyncIterator[RuntimeStart]:
        started = RuntimeStart()

        async def start() -> None:
            await started.until_wanted()
            try:
                runtime = await start_runtime(settings, connections)
            except Exception as exc:  # a tool call must get an answer, not wait forever
                runtime = AnalyzerRuntime(
                    None, f"start-up failed: {exc}", connections, settings.confirm_writes
                )
            started.made(runtime)
            if runtime.service is not None:
                await runtime.service.pool.evict_idle_forever()

        async with anyio.create_task_group() as group:
            group.start_soon(start)
            try:
                yield started
            finally:
                service = started.runtime.service if started.runtime is not None else None
                if service is not None:
                    await service.pool.close_all()
                group.cancel_scope.cancel()

    server: MCPServer[Any] = MCPServer(
        "rust-analyzer-mcp", version=__version__, instructions=INSTRUCTIONS, tools=tools, lifespan=lifespan
    )
    register_prompts(server, "rust-analyzer")
    declare_sandbox_state_meta(server)
    keep_spans_only_when_exported(server)
    return server
