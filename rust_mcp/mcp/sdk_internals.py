"""The one place that reaches into private parts of the MCP SDK (mcp 2.3), each because no public
way exists:

- `MCPServer._lowlevel_server`, the low-level `Server` behind the high-level one. Serving a session
  over our own streams (stdio behind our line checks, an engine's socket pairs) needs its `run` and
  `create_initialization_options`: MCPServer runs only on the real stdin/stdout or its own HTTP app.
  Declaring an experimental capability (Codex's sandbox-state meta) needs its `get_capabilities`:
  MCPServer takes no experimental capabilities.
- `mcp.server._otel.OpenTelemetryMiddleware`, the span middleware the SDK installs by default. The
  middleware list itself is public (`MCPServer.middleware`); the class that tells its entry apart
  is not exported under a public name.

Everything else of the SDK we use is public; a new use of a private name belongs here, with its
reason."""

from __future__ import annotations

from typing import Any

from mcp.server._otel import OpenTelemetryMiddleware as OpenTelemetryMiddleware
from mcp.server.lowlevel import Server
from mcp.server.mcpserver import MCPServer


def lowlevel_server(server: MCPServer[Any]) -> Server[Any]:
    """The low-level Server behind `server` (see the module docstring for why it is needed)."""
    lowlevel: Server[Any] = server._lowlevel_server
    return lowlevel
