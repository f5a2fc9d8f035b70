"""Codex's `codex/sandbox-state-meta` capability: a server that declares it under
`capabilities.experimental` in its initialize result is sent the thread's sandbox policy in the
`_meta` of every tools/call (Codex checks only that the key is present). Both servers declare it
and apply the policy to the children of each call (connections.client_policy reads it from a call;
rust_mcp.core.client_policy says what it allows)."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp_types import ServerCapabilities

from rust_mcp.core.client_policy import CODEX_SANDBOX_META
from rust_mcp.mcp.sdk_internals import lowlevel_server


def declare_sandbox_state_meta(server: MCPServer[Any]) -> None:
    """Add the experimental capability to every capabilities answer the server gives (initialize
    over stdio and HTTP, and server/discover)."""
    lowlevel = lowlevel_server(server)
    plain = lowlevel.get_capabilities

    def with_sandbox_state(*args: Any, **kwargs: Any) -> ServerCapabilities:
        capabilities = plain(*args, **kwargs)
        experimental = {**(capabilities.experimental or {}), CODEX_SANDBOX_META: {}}
        return capabilities.model_copy(update={"experimental": experimental})

    lowlevel.get_capabilities = with_sandbox_state  # type: ignore[method-assign]
