"""The server's own state: which workspace a connection works in, and how its rust-analyzers are."""

from __future__ import annotations

from rust_mcp.core.errors import Refusal
from rust_mcp.mcp.capabilities import Capability

from ..models import AnalyzerStatus, WorkspaceChoice
from . import render
from .declaration import DEFAULT_TOOLCHAIN, DEFAULT_WORKSPACE, AnalyzerCall, analyzer_tool
from .mcp_adapter import resolve_workspace
from .parameters import ToolchainArg


@analyzer_tool(Capability.RUN, "Set workspace", render.workspace_choice)
async def rust_analyzer_set_workspace(
    call: AnalyzerCall,
    workspace_path: str,
    toolchain: ToolchainArg = None,
) -> WorkspaceChoice:
    """Set this connection's default workspace (and toolchain); waits until rust-analyzer is ready on it."""
    if call.connection is None:
        raise Refusal(
            "this connection is stateless (protocol 2026-07-28 over HTTP); pass "
            "`workspace` or file_path with each call instead"
        )
    root = await resolve_workspace(call, workspace_path)  # a repository root: its workspace
    choice = await call.service.choose_workspace(root, call.report, toolchain, call.client_policy)
    call.connection[DEFAULT_WORKSPACE] = root
    call.connection[DEFAULT_TOOLCHAIN] = toolchain
    return choice


@analyzer_tool(Capability.READ, "rust-analyzer status", render.status)
async def rust_analyzer_status(call: AnalyzerCall) -> AnalyzerStatus:
    """Health of the rust-analyzers: version, readiness, current work, memory, restarts."""
    return call.service.status(call.default)
