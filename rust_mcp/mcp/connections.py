"""What a call's client gave the server: per-client memory (a working directory, a default
workspace) that is never shared between clients, and the sandbox policy Codex sends with each call
(`codex/sandbox-state-meta`, declared by codex_sandbox).

Over stdio a server process has exactly one client, so process-wide state is per connection. Over
HTTP, a handshake-era client has a session whose `Connection` persists across requests; a
2026-07-28 client sends self-contained requests, so there is nothing to remember between calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp.server.mcpserver import Context
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from rust_mcp.core.client_policy import CODEX_SANDBOX_META, ClientPolicy, parse_codex_sandbox_state


class ConnectionMemory:
    def __init__(self) -> None:
        self.one_client_per_process = False
        self._process_state: dict[str, Any] = {}

    def state(self, ctx: Context[Any, Any]) -> dict[str, Any] | None:
        """The dict that persists for this client, or None when the connection is stateless."""
        if self.one_client_per_process:
            return self._process_state
        # The SDK keeps the per-client Connection on the request's session without a public accessor.
        connection = getattr(ctx.request_context.session, "_connection", None)
        if connection is None:
            return None
        if connection.session_id is None and connection.protocol_version in MODERN_PROTOCOL_VERSIONS:
            return None
        state: dict[str, Any] = connection.state
        return state

    def get(self, ctx: Context[Any, Any], key: str) -> Any:
        state = self.state(ctx)
        return None if state is None else state.get(key)


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
