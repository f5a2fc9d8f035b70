"""The connection front of the HTTP transport: what happens before a request reaches the app.

A client that opens connections and sends its headers slowly, or never, costs the server a
descriptor each; enough of them and nobody else gets in (slowloris). So, below the app:
- a request's headers must arrive within HEADER_TIMEOUT of the connection opening or of the previous
  response ending, or the connection is closed;
- connections that have not yet presented the token are few at a time (MAX_UNPROVEN): when another
  arrives, the oldest of them that is stalling is closed: first one waiting for the rest of its
  headers after sending some bytes that were not a whole request's headers, and only when there is
  none, one that has sent nothing for GRACE seconds (and has nothing waiting unread in the kernel:
  on a busy machine this process, or the client, can fall seconds behind). So a client that sends
  its request at once is never crowded out by ones that stall, even when the server accepts
  hundreds of connections in one go before reading any of them;
- connections in all are bounded below the descriptor limit (MAX_CONNECTIONS), so accepting never
  fails for want of descriptors: past it the oldest waiting connection is closed, in its grace or
  not, or failing that the new one.
A connection is proven once a request on it passed the token check (rust_mcp.mcp.http_guard); its
keep-alive and streams are then left alone, but its next headers are timed all the same.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import fcntl
import resource
import termios
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT = 10.0  # seconds for a request's headers to arrive
MAX_UNPROVEN = 256  # connections open at once that have not shown the token
MAX_CONNECTIONS = 1024  # connections open at once, all told
RESERVED_DESCRIPTORS = 128  # kept for files, pipes and children, whatever the connections take
GRACE = 2.0  # seconds a silent new connection is not closed to make room
# connections accepted in one go (asyncio accepts up to the listen backlog before any is admitted),
# and waiting in the kernel's queue: within the reserve, so a burst never runs out of descriptors,
# and short, so a real client does not queue behind thousands of stalling ones
ACCEPT_BACKLOG = RESERVED_DESCRIPTORS // 2
Peer = tuple[str, int]


def raise_descriptor_limit() -> int:
    """Raise the soft limit on open descriptors to the hard limit; returns the soft limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft


@dataclass(eq=False)
class ConnectionFront:
    """Every open HTTP connection, and the rules above."""

    header_timeout: float = HEADER_TIMEOUT
    max_unproven: int = MAX_UNPROVEN
    max_connections: int = MAX_CONNECTIONS
    grace: float = GRACE
    open: dict[Peer, GuardedH11Protocol] = field(default_factory=dict, init=False)
    unproven: dict[Peer, GuardedH11Protocol] = field(default_factory=dict, init=False)  # as they connected
    closed_slow: int = field(default=0, init=False)  # closed for taking too long over their headers
    closed_crowded: int = field(default=0, init=False)  # closed to make room

    def limit_to_descriptors(self, soft_limit: int) -> None:
        self.max_connections = max(16, min(self.max_connections, soft_limit - RESERVED_DESCRIPTORS))
        self.max_unproven = min(self.max_unproven, self.max_connections // 2)

    def admit(self, connection: GuardedH11Protocol) -> None:
        peer = connection.peer
        self.open[peer] = connection
        self.unproven[peer] = connection
        while len(self.unproven) > self.max_unproven or len(self.open) > self.max_connections:
            full = len(self.open) > self.max_connections
            now = connection.loop.time()
            others = self._waiting_others
            victim = next((c for c in others(connection) if c.heard), None)
            if victim is None:
                victim = next((c for c in others(connection) if c.silent(now, self.grace)), None)
            if victim is None and full:
                victim = next(others(connection), connection)
            if victim is None:
                break  # over MAX_UNPROVEN for at most GRACE, until the new ones speak or stall
            self.closed_crowded += 1
            victim.close_now()
            if victim is connection:
                break

    def _waiting_others(self, connection: GuardedH11Protocol) -> Iterator[GuardedH11Protocol]:
        """Unproven connections other than `connection` waiting for headers, oldest first."""
        return (c for c in self.unproven.values() if c is not connection and c.waiting)

    def forget(self, connection: GuardedH11Protocol) -> None:
        for table in (self.open, self.unproven):
            if table.get(connection.peer) is connection:
                del table[connection.peer]

    def prove(self, peer: Any) -> None:
        """A request from `peer` passed the token check: its connection is no longer a stranger."""
        if isinstance(peer, list | tuple) and len(peer) == 2:
            self.unproven.pop((str(peer[0]), int(peer[1])), None)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, admitted and timed by a ConnectionFront (set on a subclass)."""

    front: ConnectionFront

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        client = self.client or ("", id(self))
        self.peer: Peer = (str(client[0]), int(client[1]))
        self.opened_at = self.loop.time()
        self.heard = False  # any bytes received yet
        self._deadline: asyncio.TimerHandle | None = None
        self._time_headers()
        self.front.admit(self)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self.front.forget(self)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self.heard = True
        super().data_received(data)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._time_headers()

    @property
    def waiting(self) -> bool:
        """No request in progress: waiting for (the rest of) a request's headers."""
        return self.cycle is None or self.cycle.response_complete

    def silent(self, now: float, grace: float) -> bool:
        """Nothing received for longer than `grace` since the connection opened, not even unread."""
        return not self.heard and now - self.opened_at >= grace and not self.bytes_unread()

    def bytes_unread(self) -> bool:
        """Whether bytes from the client wait in the kernel, not yet read by this process."""
        sock = self.transport.get_extra_info("socket")
        count = array.array("i", [0])
        try:
            fcntl.ioctl(sock.fileno(), termios.FIONREAD, count)
        except (AttributeError, OSError, ValueError):
            return False
        return count[0] > 0

    def _time_headers(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_later(self.front.header_timeout, self._headers_overdue)

    def _headers_overdue(self) -> None:
        if self.waiting and not self.transport.is_closing():
            self.front.closed_slow += 1
            self.close_now()

    def close_now(self) -> None:
        self.front.forget(self)
        if not self.transport.is_closing():
            self.transport.abort()


def protocol_for(front: ConnectionFront) -> type[GuardedH11Protocol]:
    """The protocol class uvicorn instantiates per connection, bound to `front`."""
    return type("FrontedH11Protocol", (GuardedH11Protocol,), {"front": front})
