"""Stdio for the servers: the SDK's transport behind a front that answers what it would drop.

A line that is not JSON gets a Parse error (-32700, id null); JSON that is not a JSON-RPC message,
or that nests deeper than MAX_JSON_DEPTH (a recursive parser would die on it), gets an Invalid
Request (-32600) with the request's own id when it has one. Everything else is
passed to the SDK unchanged. As in the SDK, fd 1 points at stderr and fd 0 at /dev/null while
serving, so stray output from a handler or child can never corrupt the protocol stream.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from io import TextIOWrapper
from typing import Any

import anyio
import mcp_types as types
from mcp.server.mcpserver import MCPServer
from mcp.server.stdio import stdio_server

from rust_mcp.core.json_nesting import MAX_JSON_DEPTH, nesting_depth, top_level_id

PARSE_ERROR = -32700
INVALID_REQUEST = -32600


def rejection(line: str) -> str | None:
    """The error reply for a line the SDK cannot read, or None when it can (or it is blank)."""
    if not line.strip():
        return None
    try:
        types.jsonrpc_message_adapter.validate_json(line, by_name=False)
        return None
    except ValueError:
        pass
    if nesting_depth(line) > MAX_JSON_DEPTH:  # Python's json would recurse until it dies
        return _error(
            top_level_id(line),
            INVALID_REQUEST,
            f"Invalid Request: the message nests deeper than {MAX_JSON_DEPTH} levels",
        )
    try:
        value = json.loads(line)
    except (ValueError, RecursionError) as exc:
        return _error(None, PARSE_ERROR, f"Parse error: {exc}")
    if isinstance(value, list):
        return _error(
            None, INVALID_REQUEST, "Invalid Request: batches are not supported; send one message per line"
        )
    request_id = value.get("id") if isinstance(value, dict) else None
    if isinstance(request_id, bool) or not isinstance(request_id, str | int):
        request_id = None
    return _error(
        request_id,
        INVALID_REQUEST,
        'Invalid Request: a JSON-RPC 2.0 message needs "jsonrpc": "2.0", a string "method" and object '
        '"params" (or a result or error with the id it answers)',
    )


def _error(request_id: str | int | None, code: int, message: str) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message[:500]}})


class _Wire:
    """The real stdout. Each write is one whole line, written and flushed under a lock, so the SDK's
    replies and ours never interleave."""

    def __init__(self, fd: int) -> None:
        self._file = TextIOWrapper(os.fdopen(fd, "wb", buffering=0), encoding="utf-8", write_through=True)
        self._lock = threading.Lock()

    def _write_line(self, text: str) -> None:
        with self._lock:
            self._file.write(text)
            self._file.flush()

    async def write(self, text: str) -> int:
        await anyio.to_thread.run_sync(self._write_line, text)
        return len(text)

    async def flush(self) -> None:
        return None


class _CheckedLines:
    """The real stdin, as lines; lines the SDK would drop are answered here instead."""

    def __init__(self, fd: int, wire: _Wire) -> None:
        self._file = anyio.wrap_file(TextIOWrapper(os.fdopen(fd, "rb"), encoding="utf-8", errors="replace"))
        self._wire = wire

    def __aiter__(self) -> AsyncIterator[str]:
        return self._lines()

    async def _lines(self) -> AsyncIterator[str]:
        async for line in self._file:
            reply = rejection(line)
            if reply is None:
                if line.strip():
                    yield line
            else:
                await self._wire.write(reply + "\n")


@asynccontextmanager
async def _claimed_std_fds() -> AsyncIterator[tuple[int, int]]:
    """Private copies of fds 0 and 1 for the protocol; 0 -> /dev/null and 1 -> stderr meanwhile."""
    stdin_fd, stdout_fd = os.dup(0), os.dup(1)
    saved_in, saved_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    try:
        yield stdin_fd, stdout_fd
    finally:
        os.dup2(saved_in, 0)
        os.dup2(saved_out, 1)
        os.close(saved_in)
        os.close(saved_out)


async def run_stdio(server: MCPServer[Any]) -> None:
    lowlevel = server._lowlevel_server  # MCPServer.run_stdio_async, with our streams
    async with _claimed_std_fds() as (stdin_fd, stdout_fd):
        wire = _Wire(stdout_fd)
        lines: Any = _CheckedLines(stdin_fd, wire)
        async with stdio_server(stdin=lines, stdout=wire) as (read_stream, write_stream):  # type: ignore[arg-type]
            await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())
