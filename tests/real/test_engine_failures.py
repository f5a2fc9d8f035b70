"""The per-user engine with real processes, when things go wrong: a front that dies mid-call, an
engine directory it may not use, malformed lines. Each test has a runtime directory (and so an
engine) of its own and stops its engine at the end; nothing is left running."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from tests.support import BIN, copy_fixture, live_processes, require_rust_analyzer, text_of
from tests.support.engine_support import EngineHome, engine_home, talk_to_front, tools_listed

pytestmark = [pytest.mark.real, pytest.mark.anyio]


def _leaves(group: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups."""
    if isinstance(group, BaseExceptionGroup):
        return [leaf for inner in group.exceptions for leaf in _leaves(inner)]
    return [group]


def _front_pid(home: EngineHome) -> int:
    [status] = home.status()
    [session] = status["sessions"]
    pid: int = session["front_pid"]
    return pid


async def test_a_front_that_dies_cancels_its_calls_and_stop_leaves_nothing(tmp_path: Path) -> None:
    require_rust_analyzer()
    project = copy_fixture("tests_hang", tmp_path)
    with engine_home() as home:
        params = home.params("cargo-mcp", "serve", "--root", str(tmp_path))
        async with anyio.create_task_group() as group:
            ended: list[str] = []

            async def hanging_call() -> None:
                try:
                    async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
                        await client.call_tool("cargo_test", {"path": str(project), "timeout_secs": 300})
                except* MCPError as closed:  # its front is killed below: the connection closes
                    ended.extend(str(leaf) for leaf in _leaves(closed))

            group.start_soon(hanging_call)
            deadline = time.monotonic() + 120
            while not any("tests_hang" in line for _, _, line in live_processes(tmp_path)):
                assert time.monotonic() < deadline, "the test run never started"
                await anyio.sleep(0.2)
            os.kill(_front_pid(home), signal.SIGKILL)  # the client's server process dies mid-call
            deadline = time.monotonic() + 60
            while live_processes(tmp_path) and time.monotonic() < deadline:
                await anyio.sleep(0.2)
            assert live_processes(tmp_path) == [], "the dead session's cargo run was not cancelled"
            [engine] = home.engine_pids()
            assert home.status()[0]["sessions"] == []
            group.cancel_scope.cancel()
        # the client saw its connection close (or was cancelled first, when the check above was quicker)
        assert all("Connection closed" in said for said in ended), ended
        ra_params = home.params("rust-analyzer-mcp", "--root", str(tmp_path))
        copy_fixture("hello_bin", tmp_path)
        async with Client(ra_params, mode="legacy", read_timeout_seconds=600) as analyzer:
            hovered = await analyzer.call_tool(
                "rust_analyzer_hover", {"symbol": "greeting", "workspace": str(tmp_path / "hello_bin")}
            )
            assert not hovered.is_error, text_of(hovered)
            stopped = await anyio.run_process([str(BIN / "rust-mcp-engine"), "stop"], env=home.env)
            assert f"stopping pid {engine}" in stopped.stdout.decode()
            assert home.wait_for_no_engine(60) == []
        deadline = time.monotonic() + 30  # the front has gone with its client; nothing else may be left
        while live_processes(tmp_path) and time.monotonic() < deadline:
            await anyio.sleep(0.2)
        assert live_processes(tmp_path) == [], "rust-analyzer outlived the stopped engine"


def test_a_refused_engine_directory_is_named_and_the_front_serves_in_process(tmp_path: Path) -> None:
    with engine_home() as home:
        home.directory.mkdir(mode=0o700)
        home.directory.chmod(0o755)  # someone loosened it: never used, never repaired
        replies, said = talk_to_front(home, ["cargo-mcp", "serve", "--root", str(tmp_path)])
        assert home.engine_pids() == []
        assert home.directory.stat().st_mode & 0o777 == 0o755
    assert tools_listed(replies) > 10
    assert "has mode 0755; only 0700 is accepted" in said and "serving in this process instead" in said


def test_malformed_lines_get_the_same_errors_through_the_engine(tmp_path: Path) -> None:
    bad = b'garbage\n[{"jsonrpc": "2.0", "id": 7, "method": "ping"}]\n{"jsonrpc": "2.0", "id": 8}\n'
    ping = b'{"jsonrpc": "2.0", "id": 9, "method": "ping"}\n'
    replies: dict[str, list[dict[str, Any]]] = {}
    with engine_home() as home:
        for mode, extra in (("engine", []), ("off", ["--engine", "off"])):
            argv = ["cargo-mcp", "serve", "--root", str(tmp_path), *extra]
            seen, _ = talk_to_front(home, argv, more=bad + ping, until_id=9)
            replies[mode] = [reply for reply in seen if reply.get("id") not in (1, 2)]
    assert replies["engine"] == replies["off"]
    codes = [reply["error"]["code"] for reply in replies["engine"] if "error" in reply]
    assert codes == [-32700, -32600, -32600]
