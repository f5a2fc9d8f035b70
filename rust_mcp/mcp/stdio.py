"""Stdio for the servers: the SDK's transport behind a front that answers what it would drop.

A line that is not JSON gets a Parse error (-32700, id null); JSON that is not a JSON-RPC message,
or that nests deeper than MAX_JSON_DEPTH (a recursive parser would die on it), gets an Invalid
Request (-32600) with the request's own id when it has one. Everything else is
passed to the SDK unchanged. As in the SDK, fd 1 points at stderr and fd 0 at /dev/null while
serving, so stray output from a handler or child can never corrupt the protocol stream.

Pipes, sockets and terminals (what every client gives a server) are read and written on the event
loop itself (asyncio pipe transports): no worker-thread hop per line read or reply written, which
on a busy machine cost a warm call milliseconds. Anything else (a regular file) falls back to
threads.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from io import TextIOWrapper
from typing import Any, Protocol

import anyio
import mcp_types as types
from mcp.server.mcpserver import MCPServer
from mcp.server.stdio import stdio_server

from rust_mcp.core.json_nesting import MAX_JSON_DEPTH, nesting_depth, top_level_id
from rust_mcp.mcp.sdk_internals import lowlevel_server

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
MAX_LINE_BYTES = 64 * 1024 * 1024  # one message; a longer line is answered with an error and skipped


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


class _Writer(Protocol):
    async def write(self, text: str) -> int: ...

    async def flush(self) -> None: ...


class _Wire:
    """The real stdout when it is not a pipe (written from worker threads). Each write is one
    whole line, written and flushed under a lock, so the SDK's replies and ours never interleave."""

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


class _PipeWire:
    """The real stdout as an asyncio pipe transport: each reply is one whole line handed to the
    transport in one call on the event loop, so replies never interleave."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer

    async def write(self, text: str) -> int:
        self._writer.write(text.encode("utf-8"))
        await self._writer.drain()
        return len(text)

    async def flush(self) -> None:
        return None


class _CheckedLines:
    """The real stdin, as lines; lines the SDK would drop are answered here instead."""

    def __init__(self, lines: AsyncIterator[str], wire: _Writer) -> None:
        self._raw = lines
        self._wire = wire

    def __aiter__(self) -> AsyncIterator[str]:
        return self._lines()

    async def _lines(self) -> AsyncIterator[str]:
        async for line in self._raw:
            reply = rejection(line)
            if reply is None:
                if line.strip():
                    yield line
            else:
                await self._wire.write(reply + "\n")


async def _file_lines(fd: int) -> AsyncIterator[str]:
    async for line in anyio.wrap_file(TextIOWrapper(os.fdopen(fd, "rb"), encoding="utf-8", errors="replace")):
        yield line


async def _pipe_lines(reader: asyncio.StreamReader, wire: _Writer) -> AsyncIterator[str]:
    """Lines from an asyncio stream; a line over MAX_LINE_BYTES is skipped and answered."""
    while True:
        try:
            raw = await reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as end:
            if end.partial:
                yield end.partial.decode("utf-8", errors="replace")
            return
        except asyncio.LimitOverrunError:
            await _skip_line(reader)
            too_long = f"Invalid Request: a message longer than {MAX_LINE_BYTES} bytes"
            await wire.write(_error(None, INVALID_REQUEST, too_long) + "\n")
            continue
        yield raw.decode("utf-8", errors="replace")


async def _skip_line(reader: asyncio.StreamReader) -> None:
    """Drop buffered input up to and including the next newline (or to the end)."""
    while True:
        try:
            await reader.readuntil(b"\n")
            return
        except asyncio.LimitOverrunError as over:
            await reader.readexactly(over.consumed)
        except asyncio.IncompleteReadError:
            return


def _streamable(fd: int) -> bool:
    """A pipe, socket or terminal: what asyncio's pipe transports accept."""
    mode = os.fstat(fd).st_mode
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)


async def _protocol_streams(stdin_fd: int, stdout_fd: int) -> tuple[_CheckedLines, _Writer]:
    """stdin lines and stdout writer on the event loop when both are pipes, sockets or
    terminals; otherwise through worker threads."""
    if not (_streamable(stdin_fd) and _streamable(stdout_fd)):
        wire: _Writer = _Wire(stdout_fd)
        return _CheckedLines(_file_lines(stdin_fd), wire), wire
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=MAX_LINE_BYTES)
    stdin_file = os.fdopen(stdin_fd, "rb", buffering=0)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin_file)
    stdout_file = os.fdopen(stdout_fd, "wb", buffering=0)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, stdout_file)
    wire = _PipeWire(asyncio.StreamWriter(transport, protocol, reader, loop))
    return _CheckedLines(_pipe_lines(reader, wire), wire), wire


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
    lowlevel = lowlevel_server(server)  # MCPServer.run_stdio_async, with our streams
    async with _claimed_std_fds() as (stdin_fd, stdout_fd):
        lines, wire = await _protocol_streams(stdin_fd, stdout_fd)
        async with stdio_server(stdin=lines, stdout=wire) as (read_stream, write_stream):  # type: ignore[arg-type]
            await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())


class _PeerWire(_PipeWire):
    """A connection's write side: the peer having gone ends the session instead of raising."""

    def __init__(self, writer: asyncio.StreamWriter, ended: anyio.Event) -> None:
        super().__init__(writer)
        self._ended = ended

    async def write(self, text: str) -> int:
        try:
            return await super().write(text)
        except (ConnectionError, RuntimeError):
            self._ended.set()
            return 0


async def serve_stream_pair(
    server: MCPServer[Any], reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """One MCP session over an asyncio stream pair (an engine's socket connection), with the same
    line checks as stdio. The peer closing its side ends the session at once: its calls are
    cancelled (and their processes with them) rather than finished for nobody."""
    ended = anyio.Event()
    wire = _PeerWire(writer, ended)

    async def lines_until_end() -> AsyncIterator[str]:
        async for line in _pipe_lines(reader, wire):
            yield line
        ended.set()

    lowlevel = lowlevel_server(server)
    checked = _CheckedLines(lines_until_end(), wire)
    async with anyio.create_task_group() as group:

        async def end_when_peer_leaves() -> None:
            await ended.wait()
            group.cancel_scope.cancel()

        async def serve() -> None:
            async with stdio_server(stdin=checked, stdout=wire) as (read_stream, write_stream):  # type: ignore[arg-type]
                await lowlevel.run(read_stream, write_stream, lowlevel.create_initialization_options())
            group.cancel_scope.cancel()

        group.start_soon(end_when_peer_leaves)
        group.start_soon(serve)
