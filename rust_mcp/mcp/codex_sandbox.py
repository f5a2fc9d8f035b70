"""Codex's `codex/sandbox-state-meta` capability: a server that declares it under
`capabilities.experimental` in its initialize result is sent the thread's sandbox policy in the
`_meta` of every tools/call (Codex checks only that the key is present). Both servers declare it
and apply the policy to the children of each call (see rust_mcp.core.client_policy)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import ServerCapabilities

from rust_mcp.core.client_policy import CODEX_SANDBOX_META, ClientPolicy, parse_codex_sandbox_state
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


def client_policy(ctx: Context[Any, Any]) -> ClientPolicy | None:
    """The client's sandbox policy sent with this call, if any (read from `_meta` only when sent)."""
    try:
        meta = ctx.request_context.meta
    except (AttributeError, ValueError, LookupError):
        return None
    sent: Mapping[str, object] = meta or {}  # the SDK's TypedDict, with the keys clients add
    if CODEX_SANDBOX_META not in sent:
        return None
    return parse_codex_sandbox_state(sent[CODEX_SANDBOX_META])
