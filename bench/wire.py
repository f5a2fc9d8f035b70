"""Minimal JSON-RPC peers for measuring: one process, one pipe, as little client work as possible.

The bench talks to every server through these two thin clients rather than through the Python SDK
client or pygls, so what is measured is the server (plus a pipe), the same way for the Rust
anchors, for ours and for raw rust-analyzer:

- `McpPeer`: newline-delimited JSON-RPC over stdio (what MCP's stdio transport is).
- `LspPeer`: Content-Length framed JSON-RPC (LSP), for rust-analyzer itself. Every notification it
  receives is kept with its arrival time, so a cold start can be read as a timeline.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rust_mcp.dev.proctree import kill_tree, tree

MCP_PROTOCOL = "2025-06-18"
CLOSE_GRACE = 3.0
STREAM_LIMIT = 64 * 1024 * 1024  # outlines and workspace diagnostics come as one long line

RequestHandler = Callable[[str, Any], Any]


class RpcError(RuntimeError):
    def __init__(self, method: str, error: Mapping[str, Any]) -> None:
        super().__init__(f"{method}: {error.get('message')} (code {error.get('code')})")
        self.code = error.get("code")


class Peer:
    """One child process speaking JSON-RPC; subclasses say how messages are framed."""

    def __init__(self, process: asyncio.subprocess.Process, on_request: RequestHandler | None) -> None:
        self.process = process
        self.on_request = on_request
        self.started = time.perf_counter()
        self.notifications: list[tuple[float, str, Any]] = []
        self._ids = itertools.count(1)
        self._waiting: dict[int, tuple[str, asyncio.Future[Any]]] = {}
        self._reader = asyncio.create_task(self._read_forever())

    @classmethod
    async def spawn(
        cls,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        stderr: Path,
        on_request: RequestHandler | None = None,
    ) -> Any:
        with stderr.open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
                cwd=cwd,
                env=dict(env),
                limit=STREAM_LIMIT,
                start_new_session=True,  # closing kills the server and whatever it started
            )
        return cls(process, on_request)

    @property
    def pid(self) -> int:
        return self.process.pid

    # -- framing (subclasses) ---------------------------------------------------------------------

    async def _read_message(self, stream: asyncio.StreamReader) -> bytes | None:
        raise NotImplementedError

    def _frame(self, body: bytes) -> bytes:
        raise NotImplementedError

    # -- messages ---------------------------------------------------------------------------------

    def _send(self, message: Mapping[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(self._frame(json.dumps(message, separators=(",", ":")).encode()))

    def notify(self, method: str, params: Any = None) -> None:
        self._send({"jsonrpc": "2.0", "method": method, **({} if params is None else {"params": params})})

    async def request(self, method: str, params: Any = None, timeout: float = 120.0) -> Any:
        msg_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[msg_id] = (method, future)
        message = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            message["params"] = params
        self._send(message)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._waiting.pop(msg_id, None)

    async def _read_forever(self) -> None:
        assert self.process.stdout is not None
        try:
            while (body := await self._read_message(self.process.stdout)) is not None:
                if body.strip():
                    self._dispatch(json.loads(body))
        finally:
            for method, future in self._waiting.values():
                if not future.done():
                    future.set_exception(ConnectionError(f"{method}: the server closed its output"))

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "method" not in message:  # a response
            waiting = self._waiting.get(message.get("id"))  # type: ignore[arg-type]
            if waiting is None or waiting[1].done():
                return
            method, future = waiting
            if "error" in message:
                future.set_exception(RpcError(method, message["error"]))
            else:
                future.set_result(message.get("result"))
            return
        if "id" in message:  # the server asks us something
            try:
                result = (
                    self.on_request(message["method"], message.get("params")) if self.on_request else None
                )
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": result})
            except LookupError:
                error = {"code": -32601, "message": f"method not found: {message['method']}"}
                self._send({"jsonrpc": "2.0", "id": message["id"], "error": error})
            return
        self.notifications.append((time.perf_counter(), message["method"], message.get("params")))

    async def close(self) -> None:
        """End the server and everything it started: close its input (a server may shut down its own
        children), then kill whatever of its process tree is left, and reap it."""
        members = tree({self.process.pid})
        if self.process.stdin is not None:
            self.process.stdin.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.process.wait(), CLOSE_GRACE)
        kill_tree(self.process.pid)
        for member in members:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(member, signal.SIGKILL)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.process.wait(), 10)
        self._reader.cancel()
        with contextlib.suppress(BaseException):
            await self._reader


class McpPeer(Peer):
    """An MCP server over stdio: one JSON message per line."""

    async def _read_message(self, stream: asyncio.StreamReader) -> bytes | None:
        line = await stream.readline()
        return line or None

    def _frame(self, body: bytes) -> bytes:
        return body + b"\n"

    async def initialize(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.request(
            "initialize",
            {
                "protocolVersion": MCP_PROTOCOL,
                "capabilities": {},
                "clientInfo": {"name": "rust-mcp-bench", "version": "0"},
            },
        )
        self.notify("notifications/initialized")
        return result

    async def call(self, tool: str, arguments: Mapping[str, Any], timeout: float = 300.0) -> dict[str, Any]:
        result: dict[str, Any] = await self.request(
            "tools/call", {"name": tool, "arguments": dict(arguments)}, timeout
        )
        return result


def answer_mcp_request(method: str, params: Any) -> Any:
    if method == "ping":
        return {}
    raise LookupError(method)


class LspPeer(Peer):
    """A language server: Content-Length framed messages."""

    async def _read_message(self, stream: asyncio.StreamReader) -> bytes | None:
        length = None
        while True:
            header = await stream.readline()
            if not header:
                return None
            header = header.strip()
            if not header:
                break
            name, _, value = header.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        if length is None:
            return b""
        return await stream.readexactly(length)

    def _frame(self, body: bytes) -> bytes:
        return b"Content-Length: %d\r\n\r\n" % len(body) + body


def rss_kib(pid: int) -> int | None:
    """Resident memory of one process (not its children), in KiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None
