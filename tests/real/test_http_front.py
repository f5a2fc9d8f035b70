"""HTTP on a shared host, with real concurrent connections on loopback (bounded in count and time):
a token is always required (made and printed when none is given, or read from a private file),
Host and Origin are checked on every loopback address, and neither slow unfinished requests
(slowloris) nor a flood of sessions locks out the client that holds the token; the log stays short."""

from __future__ import annotations

import asyncio
import math
import re
import time
from pathlib import Path

import anyio
import httpx2
import pytest

from cargo_mcp.table.rows import COMMANDS  # every row is a tool, plus set_working_directory
from rust_mcp.dev.figures import record
from rust_mcp.dev.mcp_opening import INITIALIZE
from tests.support import BIN
from tests.support.http_support import TOKEN, free_port, http_client, http_server

pytestmark = [pytest.mark.anyio, pytest.mark.real]
SLOW_CONNECTIONS = 1_100
ATTACK_SECONDS = 20.0
CLIENT_SECONDS = 60.0  # each real client must be served within this, under the attack, on a busy machine
OPEN_FILES = 1_024  # a common default descriptor limit, which the slow connections exceed
CARGO_TOOLS = len(COMMANDS) + 1
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def cargo_server(root: Path, *extra: str) -> tuple[str, ...]:
    return (str(BIN / "cargo-mcp"), "serve", "--root", str(root), *extra)


async def test_a_token_is_made_and_printed_when_none_is_given(workspace_root: Path, tmp_path: Path) -> None:
    output = tmp_path / "server.log"
    no_token = {"CARGO_MCP_AUTH_TOKEN": ""}
    with http_server(*cargo_server(workspace_root), env=no_token, output=output) as (port, _):
        printed = re.search(rb"Bearer ([A-Za-z0-9_-]{30,})", output.read_bytes())
        assert printed, output.read_text()
        async with httpx2.AsyncClient() as raw:
            for token in (None, TOKEN):
                auth = {"Authorization": f"Bearer {token}"} if token else {}
                refused = await raw.post(
                    f"http://127.0.0.1:{port}/mcp", json=INITIALIZE, headers=HEADERS | auth
                )
                assert refused.status_code == 401
        async with http_client(port, printed.group(1).decode()) as client:
            assert len((await client.list_tools()).tools) == CARGO_TOOLS


async def test_a_token_file_must_be_private(workspace_root: Path, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("file-token-77\n")
    token_file.chmod(0o644)
    argv = [*cargo_server(workspace_root, "--auth-token-file", str(token_file)), "--transport", "http"]
    loose = await anyio.run_process([*argv, "--port", str(free_port())], check=False)
    assert loose.returncode != 0 and b"chmod 600" in loose.stderr
    token_file.chmod(0o600)
    with http_server(*cargo_server(workspace_root, "--auth-token-file", str(token_file)), env={}) as (
        port,
        _,
    ):
        async with http_client(port, "file-token-77") as client:
            assert len((await client.list_tools()).tools) == CARGO_TOOLS
        async with httpx2.AsyncClient() as raw:
            wrong = await raw.post(
                f"http://127.0.0.1:{port}/mcp",
                json=INITIALIZE,
                headers=HEADERS | {"Authorization": f"Bearer {TOKEN}"},
            )
            assert wrong.status_code == 401


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2"])
async def test_host_and_origin_checks_hold_on_any_loopback_address(workspace_root: Path, host: str) -> None:
    with http_server(*cargo_server(workspace_root), host=host) as (port, _):
        url = f"http://{host}:{port}/mcp"
        auth = HEADERS | {"Authorization": f"Bearer {TOKEN}"}
        async with httpx2.AsyncClient() as raw:
            rebound = await raw.post(url, json=INITIALIZE, headers=auth | {"Host": f"evil.example:{port}"})
            assert rebound.status_code == 421
            cross = await raw.post(url, json=INITIALIZE, headers=auth | {"Origin": "http://evil.example"})
            assert cross.status_code == 403
            own = await raw.post(url, json=INITIALIZE, headers=auth | {"Origin": f"http://{host}:{port}"})
            assert own.status_code == 200, own.text


def _innermost(error: BaseException) -> str:
    """The first error inside nested exception groups, named and shortened."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return f"{type(error).__name__}: {error}"[:200]


async def _hold_slow_connection(port: int, stop: anyio.Event, opened: list[int]) -> None:
    """Keep one connection open that sends its headers a byte at a time, never finishing; when the
    server closes it, open another."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await anyio.sleep(0.5)
            continue
        opened[0] += 1
        try:
            writer.write(f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode())
            while not stop.is_set():
                writer.write(b"X")
                await writer.drain()
                with anyio.move_on_after(1.0):
                    if await reader.read(1) == b"" and reader.at_eof():
                        break
        except OSError:
            pass
        finally:
            writer.close()


async def test_slow_connections_do_not_lock_out_the_token_holder(
    workspace_root: Path, tmp_path: Path
) -> None:
    output = tmp_path / "server.log"
    latencies: list[float] = []
    failures: list[str] = []
    opened = [0]
    with http_server(*cargo_server(workspace_root), output=output, max_open_files=OPEN_FILES) as (port, _):
        stop = anyio.Event()
        async with anyio.create_task_group() as attack:
            for _ in range(SLOW_CONNECTIONS):
                attack.start_soon(_hold_slow_connection, port, stop, opened)
            await anyio.sleep(3)  # let them pile up
            deadline = time.monotonic() + ATTACK_SECONDS
            while time.monotonic() < deadline:
                started = time.monotonic()
                try:
                    with anyio.fail_after(CLIENT_SECONDS):
                        async with http_client(port) as client:
                            await client.list_tools()
                            await client.call_tool("set_working_directory", {"path": str(workspace_root)})
                    latencies.append(time.monotonic() - started)
                except Exception as exc:  # any failure to be served is the lock-out this test is about
                    failures.append(_innermost(exc))
            stop.set()
            attack.cancel_scope.cancel()
    log_lines = len(output.read_bytes().splitlines())
    ranked = sorted(latencies)
    p99 = ranked[math.ceil(0.99 * len(ranked)) - 1] if ranked else -1.0  # nearest rank: the max below 100
    record("slow connections held off while a real client is served", SLOW_CONNECTIONS)
    record("slow connections opened during the attack", opened[0])
    record("real client sessions served under slowloris", len(latencies))
    record("real client p99 latency under slowloris (ms)", round(p99 * 1000))
    record("server log lines during the attack", log_lines)
    assert failures == [], failures[:5]
    assert latencies and log_lines < 200, (latencies, output.read_text()[-3000:])


async def test_a_session_flood_locks_no_one_out(workspace_root: Path) -> None:
    with http_server(*cargo_server(workspace_root, "--max-sessions", "8")) as (port, _):
        url = f"http://127.0.0.1:{port}/mcp"
        limits = httpx2.Limits(max_connections=50)
        async with httpx2.AsyncClient(limits=limits, timeout=30) as raw:
            statuses: list[int] = []

            async def without_token() -> None:
                for _ in range(40):
                    statuses.append((await raw.post(url, json=INITIALIZE, headers=HEADERS)).status_code)

            async with anyio.create_task_group() as flood:
                for _ in range(50):
                    flood.start_soon(without_token)
            assert statuses.count(401) == len(statuses) == 2_000
            auth = HEADERS | {"Authorization": f"Bearer {TOKEN}"}
            sessions = []
            for _ in range(40):
                opened = await raw.post(url, json=INITIALIZE, headers=auth)
                assert opened.status_code == 200, opened.text
                sessions.append(opened.headers["mcp-session-id"])
            async with http_client(port) as client:
                assert len((await client.list_tools()).tools) == CARGO_TOOLS
            ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
            oldest = await raw.post(url, json=ping, headers=auth | {"mcp-session-id": sessions[0]})
            newest = await raw.post(url, json=ping, headers=auth | {"mcp-session-id": sessions[-1]})
            assert oldest.status_code == 404 and newest.status_code == 200, (oldest.text, newest.text)
    record("session flood: requests without the token refused", len(statuses))
