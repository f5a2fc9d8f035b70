"""The HTTP connection front's choice of whom to close when too many strangers are open, with real
loopback sockets and uvicorn's own protocol objects (no server process): a connection that sent part
of its headers goes before one that has said nothing yet, and one whose bytes wait unread in the
kernel (this process fell behind) is not silent."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from rust_mcp.mcp.http_connections import ConnectionFront, GuardedH11Protocol, protocol_for

pytestmark = pytest.mark.anyio
GRACE = 0.3


async def _app(scope: object, receive: object, send: object) -> None:  # never reached: no whole request
    raise AssertionError("no request is expected")


@asynccontextmanager
async def front_server(front: ConnectionFront) -> AsyncIterator[int]:
    config = Config(app=_app, lifespan="off", log_level="critical")
    config.load()
    state = ServerState()
    cls = protocol_for(front)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: cls(config=config, server_state=state, app_state={}), "127.0.0.1", 0
    )
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for connection in list(front.open.values()):
            connection.close_now()


async def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setblocking(False)
    await asyncio.sleep(0.05)  # accepted and admitted
    return sock


def _closed(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


async def test_a_partial_request_is_closed_before_an_older_silent_connection() -> None:
    front = ConnectionFront(max_unproven=2, grace=GRACE)
    async with front_server(front) as port:
        silent = await _connect(port)  # a real client whose request is late (a busy machine)
        await asyncio.sleep(GRACE + 0.1)
        partial = await _connect(port)
        partial.send(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the rest
        await asyncio.sleep(0.05)
        newest = await _connect(port)
        await asyncio.sleep(0.05)
        assert front.closed_crowded == 1
        assert _closed(partial) and not _closed(silent) and not _closed(newest)
        for sock in (silent, partial, newest):
            sock.close()


async def test_a_silent_connection_is_closed_past_its_grace_unless_its_bytes_wait_unread() -> None:
    front = ConnectionFront(max_unproven=2, grace=GRACE)
    async with front_server(front) as port:
        behind = await _connect(port)
        (held,) = front.open.values()
        assert isinstance(held, GuardedH11Protocol)
        held.transport.pause_reading()  # as if this process fell behind: the bytes stay in the kernel
        behind.send(b"POST /mcp HTTP/1.1\r\n")
        silent = await _connect(port)
        await asyncio.sleep(GRACE + 0.1)
        newest = await _connect(port)
        await asyncio.sleep(0.05)
        assert front.closed_crowded == 1
        assert _closed(silent) and not _closed(behind) and not _closed(newest)
        for sock in (behind, silent, newest):
            sock.close()
