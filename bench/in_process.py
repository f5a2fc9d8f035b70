"""One of our servers built in this process from its command line and served to the MCP SDK's
`Client` over a socket pair through our stdio line checks (`serve_stream_pair`), the way the stdio
transport serves it (bench/trace_path.py traces calls through it)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp import Client
from mcp.shared.message import SessionMessage

Streams = tuple[MemoryObjectReceiveStream[SessionMessage | Exception], MemoryObjectSendStream[SessionMessage]]


@asynccontextmanager
async def socket_transport(sock: socket.socket) -> AsyncIterator[Streams]:
    """The client's end of a socket pair as an MCP transport: newline-delimited JSON-RPC, framed as
    the SDK's stdio client frames it."""
    reader, writer = await asyncio.open_connection(sock=sock)
    incoming_send, incoming = anyio.create_memory_object_stream[SessionMessage | Exception](64)
    outgoing, outgoing_receive = anyio.create_memory_object_stream[SessionMessage](64)

    async def read() -> None:
        async with incoming_send:
            while line := await reader.readline():
                message = types.jsonrpc_message_adapter.validate_json(line, by_name=False)
                await incoming_send.send(SessionMessage(message))

    async def write() -> None:
        async with outgoing_receive:
            async for message in outgoing_receive:
                writer.write(
                    message.message.model_dump_json(by_alias=True, exclude_unset=True).encode() + b"\n"
                )
                await writer.drain()

    async with anyio.create_task_group() as group:
        group.start_soon(read)
        group.start_soon(write)
        yield incoming, outgoing
        group.cancel_scope.cancel()
    writer.close()


@asynccontextmanager
async def served(cli: Any, argv: list[str], cwd: Path) -> AsyncIterator[Client]:
    """The server `cli.prepare(argv)` builds, serving one client session over a socket pair."""
    from rust_mcp.mcp.stdio import serve_stream_pair

    server, _, memory = cli.prepare(argv, cwd)
    memory.one_client_per_process = True  # as `serve` does for stdio
    ours, theirs = socket.socketpair()
    reader, writer = await asyncio.open_connection(sock=ours)
    serving = asyncio.create_task(serve_stream_pair(server, reader, writer))
    try:
        async with Client(socket_transport(theirs), mode="legacy", read_timeout_seconds=900) as client:
            yield client
    finally:
        writer.close()
        serving.cancel()
        await asyncio.gather(serving, return_exceptions=True)


def text(result: types.CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, types.TextContent))
