"""An engine session: the server a command line builds, served over one socket connection.

The server is built exactly as the command builds it in-process (cargo_mcp.cli.prepare,
ra_mcp.cli.prepare), from the front's argv and with paths resolved against the front's working
directory. A command line the CLI would refuse is refused with the CLI's own message and exit status.
"""

from __future__ import annotations

import asyncio
import io
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer

from .handshake import HandshakeRefused


@dataclass
class Session:
    number: int
    server: str
    argv: list[str]
    cwd: str
    peer_pid: int
    started: float = field(default_factory=time.time)
    task: asyncio.Task[Any] | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "session": self.number,
            "server": self.server,
            "argv": self.argv,
            "cwd": self.cwd,
            "front_pid": self.peer_pid,
            "seconds": round(time.time() - self.started, 1),
        }


def build_session_server(server: str, argv: list[str], cwd: str) -> MCPServer[Any]:
    """The server `argv` describes, or HandshakeRefused with what the command line would print."""
    captured = io.StringIO()
    try:
        with redirect_stdout(captured), redirect_stderr(captured):
            if server == "cargo":
                from cargo_mcp.cli import prepare as prepare_cargo

                built, _, memory = prepare_cargo(argv, Path(cwd))
            else:
                from ra_mcp.cli import prepare as prepare_analyzer

                built, _, memory = prepare_analyzer(argv, Path(cwd))
            memory.one_client_per_process = True  # each session has a server of its own
            return built
    except SystemExit as exc:
        said = captured.getvalue().strip()
        reason = exc.code if isinstance(exc.code, str) else ""
        message = "\n".join(part for part in (said, reason) if part) or f"exit status {exc.code}"
        raise HandshakeRefused(message, exc.code if isinstance(exc.code, int) and exc.code else 1) from None
