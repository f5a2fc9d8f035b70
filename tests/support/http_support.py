"""Starting a server on streamable HTTP and connecting the SDK's HTTP client to it."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


TOKEN = "test-token-5b1c"  # what http_server gives both servers unless told otherwise
TOKEN_ENV = {"CARGO_MCP_AUTH_TOKEN": TOKEN, "RUST_ANALYZER_MCP_AUTH_TOKEN": TOKEN}


def _limit_open_files(count: int) -> Callable[[], None]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (count, count))

    return limit


@contextmanager
def http_server(
    *argv: str,
    env: dict[str, str] | None = None,
    host: str = "127.0.0.1",
    output: Path | None = None,
    max_open_files: int | None = None,
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """Start a server on a free loopback port and wait until it listens. Its output goes to a file,
    not a pipe, so a long run cannot block it on a full pipe (to `output` when given). Both
    servers get TOKEN unless `env` says otherwise; `max_open_files` sets its descriptor limit."""
    port = free_port()
    with output.open("w+b") if output is not None else tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [*argv, "--transport", "http", "--host", host, "--port", str(port)],
            env={**os.environ, **TOKEN_ENV, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_limit_open_files(max_open_files) if max_open_files else None,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection((host, port), timeout=0.2).close()
                    break
                except OSError:
                    if process.poll() is not None:
                        log.seek(0)
                        raise AssertionError(log.read().decode(errors="replace")[-2000:]) from None
                    assert time.monotonic() < deadline, "the HTTP server did not start listening"
                    time.sleep(0.1)
            yield port, process
        finally:
            process.terminate()
            process.wait(timeout=20)


@asynccontextmanager
async def http_client(port: int, token: str | None = TOKEN, mode: str = "legacy") -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=600) as http,
        Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http), mode=mode) as client,
    ):
        yield client
