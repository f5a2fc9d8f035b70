"""What an MCP client sends first, as raw JSON-RPC for the tests and bench that drive a server or
a front over bare pipes or HTTP (no client library between them and the bytes).

`INITIALIZE` is the initialize request (id 1); `INITIALIZE_LINE` that request alone as one
newline-delimited stdio line; `OPENING` the usual start on stdio: initialize, the initialized
notification and tools/list (id 2)."""

from __future__ import annotations

import json
from typing import Any

PROTOCOL_VERSION = "2025-06-18"
INITIALIZE: dict[str, Any] = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": PROTOCOL_VERSION,
        "capabilities": {},
        "clientInfo": {"name": "rust-mcp-dev", "version": "1"},
    },
}
INITIALIZED: dict[str, Any] = {"jsonrpc": "2.0", "method": "notifications/initialized"}
TOOLS_LIST: dict[str, Any] = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}


def lines(*messages: dict[str, Any]) -> bytes:
    """Messages as stdio sends them: one JSON object a line."""
    return b"".join((json.dumps(message) + "\n").encode() for message in messages)


INITIALIZE_LINE = lines(INITIALIZE)
OPENING = lines(INITIALIZE, INITIALIZED, TOOLS_LIST)
