"""The request front of the HTTP transport, in front of the SDK's app: every request is checked before
the app sees it, in this order, and refused with the connection closed when it fails:

1. Host: on a loopback address (any of 127.0.0.0/8, ::1, localhost), the Host header must name the
   server's own loopback address and port (a page on another site, re-pointed at 127.0.0.1 by DNS
   rebinding, sends its own name);
2. Origin, when sent: the same address, scheme http;
3. the bearer token (there always is one);
4. the body: complete within BODY_TIMEOUT, at most MAX_BODY bytes, nested at most MAX_JSON_DEPTH.

Sessions are bounded too: at most `max_sessions` at once; opening one more closes the least
recently used idle one, so a flood of sessions never locks anyone out.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import anyio

from rust_mcp.core.json_nesting import MAX_JSON_DEPTH, nesting_depth, top_level_id

if TYPE_CHECKING:  # the connection front imports uvicorn, which only the HTTP transport needs
    from .http_connections import ConnectionFront

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
BODY_TIMEOUT = 30.0  # seconds for a whole request body
MAX_BODY = 4 * 1024 * 1024
MAX_SESSIONS = 64
SESSION_HEADER = b"mcp-session-id"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(bind: str, port: int) -> frozenset[str] | None:
    """The Host headers a server bound to `bind` accepts: its loopback names, or None (any) when it
    listens on a non-loopback address (clients name it as they like; the token still guards it)."""
    if not is_loopback(bind):
        return None
    own = f"[{bind}]" if ":" in bind else bind
    return frozenset(f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]", own))


class SessionTable:
    """Sessions seen in responses, least recently used first, with their requests in flight."""

    def __init__(self) -> None:
        self.last_used: OrderedDict[bytes, float] = OrderedDict()
        self.in_flight: dict[bytes, int] = {}
        self.evicted = 0

    def begin(self, session: bytes) -> None:
        if session in self.last_used:
            self.last_used.move_to_end(session)
            self.last_used[session] = time.monotonic()
        self.in_flight[session] = self.in_flight.get(session, 0) + 1

    def end(self, session: bytes) -> None:
        left = self.in_flight.get(session, 1) - 1
        if left > 0:
            self.in_flight[session] = left
        else:
            self.in_flight.pop(session, None)

    def opened(self, session: bytes) -> None:
        self.last_used[session] = time.monotonic()

    def closed(self, session: bytes) -> None:
        self.last_used.pop(session, None)

    def least_recently_used_idle(self) -> bytes | None:
        return next((s for s in self.last_used if not self.in_flight.get(s)), None)


class HttpGuard:
    """ASGI middleware applying the checks above; `front` learns which connections are proven."""

    def __init__(
        self,
        app: ASGIApp,
        token: str,
        hosts: frozenset[str] | None,
        front: ConnectionFront | None = None,
        max_sessions: int = MAX_SESSIONS,
    ) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()
        self.hosts = hosts
        self.front = front
        self.max_sessions = max_sessions
        self.sessions = SessionTable()
        self.refused: dict[int, int] = {}  # status -> count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        problem = self._check_headers(headers)
        if problem is not None:
            await self._refuse(send, *problem)
            return
        if self.front is not None:
            self.front.prove(scope.get("client"))
        body = await self._read_body(receive, send)
        if body is None:
            return
        if body and nesting_depth(body) > MAX_JSON_DEPTH:
            text = body.decode("utf-8", errors="replace")
            error = {
                "code": -32600,
                "message": f"Invalid Request: nested deeper than {MAX_JSON_DEPTH} levels",
            }
            await self._refuse(
                send, 400, json.dumps({"jsonrpc": "2.0", "id": top_level_id(text), "error": error})
            )
            return
        await self._serve(scope, headers, body, receive, send)

    def _check_headers(self, headers: dict[bytes, bytes]) -> tuple[int, str] | None:
        host = headers.get(b"host", b"").decode("latin-1")
        if self.hosts is not None and host not in self.hosts:
            return 421, f"Host {host!r} is not this server's address"
        origin = headers.get(b"origin")
        if origin is not None:
            allowed = self.hosts if self.hosts is not None else frozenset({host})
            if origin.decode("latin-1") not in {
                f"{scheme}://{name}" for name in allowed for scheme in ("http", "https")
            }:
                return 403, f"Origin {origin.decode('latin-1')!r} may not call this server"
        if not hmac.compare_digest(headers.get(b"authorization", b""), self.expected):
            return 401, "missing or wrong bearer token"
        return None

    async def _read_body(self, receive: Receive, send: Send) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        with anyio.move_on_after(BODY_TIMEOUT) as deadline:
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return None  # the client went away
                chunk = bytes(message.get("body", b""))
                size += len(chunk)
                if size > MAX_BODY:
                    await self._refuse(send, 413, f"the request body is over {MAX_BODY} bytes")
                    return None
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)
        if deadline.cancelled_caught:
            await self._refuse(send, 408, f"the request body did not arrive within {BODY_TIMEOUT:.0f} s")
        return None

    async def _serve(
        self, scope: Scope, headers: dict[bytes, bytes], body: bytes, receive: Receive, send: Send
    ) -> None:
        session = headers.get(SESSION_HEADER)
        if session is None and scope.get("method") == "POST":
            await self._make_room(scope)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = int(message.get("status", 200))
                opened = dict(message.get("headers") or []).get(SESSION_HEADER)
                if session is None and opened is not None:
                    self.sessions.opened(opened)
                elif session is not None and (
                    status == 404 or (scope.get("method") == "DELETE" and status < 300)
                ):
                    self.sessions.closed(session)
            await send(message)

        if session is not None:
            self.sessions.begin(session)
        try:
            await self.app(scope, replay, watch)
        finally:
            if session is not None:
                self.sessions.end(session)

    async def _make_room(self, scope: Scope) -> None:
        """Before a request that may open a session: close the least recently used idle sessions
        until there is room (through the app, as the client itself would: DELETE)."""
        while len(self.sessions.last_used) >= self.max_sessions:
            oldest = self.sessions.least_recently_used_idle()
            if oldest is None:
                return
            self.sessions.closed(oldest)
            self.sessions.evicted += 1
            await self._delete_session(scope, oldest)

    async def _delete_session(self, template: Scope, session: bytes) -> None:
        host = dict(template.get("headers") or []).get(b"host", b"")
        scope = {
            **template,
            "method": "DELETE",
            "query_string": b"",
            "headers": [(b"host", host), (SESSION_HEADER, session)],
        }

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def discard(message: Message) -> None:
            return None

        await self.app(scope, receive, discard)

    async def _refuse(self, send: Send, status: int, message: str) -> None:
        self.refused[status] = self.refused.get(status, 0) + 1
        body = message.encode() if message.startswith("{") else json.dumps({"error": message}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        if status == 401:
            headers.append((b"www-authenticate", b"Bearer"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
