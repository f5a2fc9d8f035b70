"""The HTTP request front, fast and in-process: HttpGuard in front of a recording ASGI app, table-
driven: Host and Origin on every loopback address, the token, body size, time and nesting, and the
session bound; and the log rate limit."""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
import pytest

from rust_mcp.mcp import http_guard
from rust_mcp.mcp.http_guard import HttpGuard, allowed_hosts
from rust_mcp.mcp.log_limit import LogRateLimit

pytestmark = pytest.mark.anyio
TOKEN = "t0ken"
AUTH = (b"authorization", f"Bearer {TOKEN}".encode())


class App:
    """Records what reached it; answers 200, opening a session for a POST without one."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bytes]] = []
        self.sessions = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        self.seen.append((scope["method"], message.get("body", b"")))
        headers = []
        if scope["method"] == "POST" and b"mcp-session-id" not in dict(scope["headers"]):
            self.sessions += 1
            headers.append((b"mcp-session-id", f"s{self.sessions}".encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"{}"})


async def call(
    guard: HttpGuard, headers: list[tuple[bytes, bytes]], body: bytes = b"{}", method: str = "POST"
) -> tuple[int, dict[bytes, bytes], bytes]:
    chunks = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": "/mcp", "headers": headers, "client": ("127.0.0.1", 5)}
    await guard(scope, receive, send)
    return sent[0]["status"], dict(sent[0]["headers"]), sent[1]["body"]


def guard_on(bind: str, port: int = 8765, app: App | None = None, sessions: int = 64) -> HttpGuard:
    return HttpGuard(app or App(), TOKEN, allowed_hosts(bind, port), max_sessions=sessions)


@pytest.mark.parametrize("bind", ["127.0.0.1", "127.0.0.2", "127.9.9.9", "::1", "localhost"])
@pytest.mark.parametrize(
    ("host", "origin", "status"),
    [
        (b"evil.example:8765", None, 421),
        (b"127.0.0.1:9999", None, 421),
        (b"127.0.0.1:8765", b"http://evil.example", 403),
        (b"127.0.0.1:8765", b"http://127.0.0.1:9999", 403),
        (b"localhost:8765", b"http://localhost:8765", 200),
        (b"127.0.0.1:8765", None, 200),
    ],
)
async def test_host_and_origin_are_checked_on_every_loopback_address(
    bind: str, host: bytes, origin: bytes | None, status: int
) -> None:
    app = App()
    headers = [(b"host", host), AUTH] + ([(b"origin", origin)] if origin else [])
    got, response_headers, _ = await call(guard_on(bind, app=app), headers)
    assert got == status
    assert bool(app.seen) is (status == 200)
    if status != 200:
        assert response_headers[b"connection"] == b"close"


async def test_a_public_address_takes_any_host_but_only_its_own_origin() -> None:
    guard = guard_on("0.0.0.0")
    assert (await call(guard, [(b"host", b"build.box:8765"), AUTH]))[0] == 200
    cross = [(b"host", b"build.box:8765"), (b"origin", b"http://evil.example"), AUTH]
    assert (await call(guard, cross))[0] == 403


@pytest.mark.parametrize("authorization", [None, b"Bearer wrong", b"t0ken", f"bearer {TOKEN}".encode()])
async def test_without_the_token_nothing_reaches_the_app(authorization: bytes | None) -> None:
    app = App()
    headers = [(b"host", b"127.0.0.1:8765")] + ([(b"authorization", authorization)] if authorization else [])
    status, response_headers, _ = await call(guard_on("127.0.0.1", app=app), headers)
    assert status == 401 and app.seen == [] and response_headers[b"www-authenticate"] == b"Bearer"


async def test_bodies_too_large_too_deep_or_too_slow_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    app = App()
    guard = guard_on("127.0.0.1", app=app)
    headers = [(b"host", b"127.0.0.1:8765"), AUTH]
    assert (await call(guard, headers, b"x" * (http_guard.MAX_BODY + 1)))[0] == 413
    deep = b'{"jsonrpc":"2.0","id":9,"method":"x","params":' + b"[" * 1000 + b"]" * 1000 + b"}"
    status, _, body = await call(guard, headers, deep)
    assert status == 400 and json.loads(body)["id"] == 9
    monkeypatch.setattr(http_guard, "BODY_TIMEOUT", 0.2)
    sent: list[dict[str, Any]] = []

    async def stalled() -> dict[str, Any]:
        await anyio.sleep(10)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/mcp", "headers": headers, "client": ("127.0.0.1", 6)}
    with anyio.fail_after(5):
        await guard(scope, stalled, send)
    assert sent[0]["status"] == 408 and app.seen == []


async def test_opening_a_session_past_the_limit_closes_the_least_recently_used_idle_one() -> None:
    app = App()
    guard = guard_on("127.0.0.1", app=app, sessions=3)
    headers = [(b"host", b"127.0.0.1:8765"), AUTH]
    for _ in range(3):
        await call(guard, headers)
    await call(guard, [*headers, (b"mcp-session-id", b"s1")])  # s1 used again: s2 is now the oldest
    await call(guard, headers)  # a fourth session
    deletes = [body for method, body in app.seen if method == "DELETE"]
    assert len(deletes) == 1 and list(guard.sessions.last_used) == [b"s3", b"s1", b"s4"]


def test_log_output_is_rate_limited() -> None:
    limit = LogRateLimit(burst=5, window=60)
    records = [logging.LogRecord("x", logging.WARNING, __file__, 1, f"m{i}", None, None) for i in range(100)]
    passed = [record for record in records if limit.filter(record)]
    assert len(passed) == 5 and limit.suppressed == 95
    limit._window_start -= 61
    after = logging.LogRecord("x", logging.WARNING, __file__, 1, "next", None, None)
    assert limit.filter(after) and after.getMessage() == "[95 log messages left out] next"
