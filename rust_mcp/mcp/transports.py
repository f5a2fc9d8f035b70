"""Running a server: stdio or streamable HTTP (loopback by default, optional bearer token), with
signals turned into cancellation so every in-flight call cleans up its processes."""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer

from rust_mcp.core.sandbox import SANDBOX_MODES, SandboxUnavailable, probe_sandbox

from .connections import ConnectionMemory
from .stdio import run_stdio

ASGIApp = Callable[
    [dict[str, Any], Callable[[], Awaitable[dict[str, Any]]], Callable[[dict[str, Any]], Awaitable[None]]],
    Awaitable[None],
]


def add_sandbox_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sandbox",
        choices=SANDBOX_MODES,
        default="auto",
        help="contain the code cargo and rust-analyzer run (build scripts, proc macros, tests): auto "
        "(default: bubblewrap where it works, else code-running tools refuse), bwrap (required: do "
        "not start without it), or off (run it with the server's permissions and network; the tools "
        "then say readOnlyHint false)",
    )


def require_sandbox_at_start(mode: str, prog: str) -> None:
    """`--sandbox bwrap` is the operator saying the sandbox is required: without a working
    bubblewrap the server does not start (`auto` starts, and its code-running tools refuse)."""
    if mode != "bwrap":
        return
    try:
        probe_sandbox("bwrap").require()
    except SandboxUnavailable as exc:
        sys.exit(f"{prog}: --sandbox bwrap: {exc}")


def add_transport_arguments(parser: argparse.ArgumentParser, token_env: str) -> None:
    group = parser.add_argument_group("transport")
    group.add_argument(
        "--transport",
        choices=["stdio", "http"],
        default="stdio",
        help="stdio (default; what Codex and Claude Code start) or streamable HTTP",
    )
    group.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default loopback only)")
    group.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")
    group.add_argument(
        "--auth-token-env",
        default=token_env,
        metavar="NAME",
        help=f"environment variable holding the HTTP bearer token (default {token_env}); "
        "when set, requests without `Authorization: Bearer <token>` are refused",
    )


class BearerTokenGuard:
    """ASGI middleware refusing HTTP requests that lack the configured bearer token."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            headers = dict(scope.get("headers") or [])
            given = headers.get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                body = json.dumps({"error": "missing or wrong bearer token"}).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"www-authenticate", b"Bearer"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _until_signal(main: Callable[[], Awaitable[None]]) -> None:
    async with anyio.create_task_group() as group:

        async def watch_signals() -> None:
            with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT, signal.SIGHUP) as signals:
                async for _ in signals:
                    group.cancel_scope.cancel()
                    return

        group.start_soon(watch_signals)
        await main()
        group.cancel_scope.cancel()


def serve(server: MCPServer[Any], args: argparse.Namespace, memory: ConnectionMemory) -> None:
    if args.transport == "stdio":
        memory.one_client_per_process = True
        anyio.run(_until_signal, lambda: run_stdio(server))
        return
    token = os.environ.get(args.auth_token_env) or None
    if not _is_loopback(args.host) and token is None:
        sys.exit(f"refusing to listen on {args.host} without a bearer token: set {args.auth_token_env}")
    import uvicorn  # only the HTTP transport needs it

    app: Any = server.streamable_http_app(host=args.host)
    if token is not None:
        app = BearerTokenGuard(app, token)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning", lifespan="on")
    uvicorn_server = uvicorn.Server(config)
    anyio.run(_until_signal, uvicorn_server.serve)
