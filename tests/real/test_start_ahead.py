"""rust-analyzer started ahead (issue 23): a session starts rust-analyzer on its default workspace
when it connects, before any call, and the first call uses that one; a root without a Cargo
workspace starts none; through the engine, two sessions on one workspace still run one. Real
servers over stdio (in-process and through a private engine), real rust-analyzer, on copies of the
hello_bin fixture."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from tests.real.test_ra_tools import ra_structured
from tests.support import (
    FIXTURES,
    pids_under,
    processes_under,
    require_bubblewrap,
    require_rust_analyzer,
    server_params,
    wait_until_gone,
)
from tests.support.engine_support import engine_home

pytestmark = [pytest.mark.real, pytest.mark.anyio]
SIGNATURE = "fn greeting(args: &[String]) -> String"
STARTED_WITHIN = 120.0  # seconds: the dependency-fetch step and bubblewrap on a loaded machine


def hello_bin(root: Path) -> Path:
    crate = root / "hello_bin"
    shutil.copytree(FIXTURES / "hello_bin", crate, ignore=shutil.ignore_patterns("target"))
    return crate


async def analyzers_running(crate: Path) -> list[int]:
    """The rust-analyzers working on `crate`, once there is one (none after STARTED_WITHIN)."""
    deadline = time.monotonic() + STARTED_WITHIN
    while not (found := pids_under(crate, "rust-analyzer")) and time.monotonic() < deadline:
        await anyio.sleep(0.2)
    return found


async def right_hover(client: Client, crate: Path) -> None:
    position = {"file_path": str(crate / "src" / "main.rs"), "line": 13, "column": 21}  # greeting(&args)
    answer = ra_structured("rust_analyzer_hover", await client.call_tool("rust_analyzer_hover", position))
    assert answer.get("found") and SIGNATURE in str(answer.get("markdown")), answer


async def test_a_session_starts_rust_analyzer_before_any_call_and_its_first_call_uses_it(
    tmp_path: Path,
) -> None:
    require_rust_analyzer()
    require_bubblewrap()
    crate = hello_bin(tmp_path)
    params = server_params("rust-analyzer-mcp", "--root", str(crate), "--engine", "off")
    async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
        await client.list_tools()
        ahead = await analyzers_running(crate)  # no tool called yet
        assert len(ahead) == 1, processes_under(crate)
        await right_hover(client, crate)
        assert pids_under(crate, "rust-analyzer") == ahead, processes_under(crate)


async def test_start_on_call_starts_nothing_before_a_call(tmp_path: Path) -> None:
    require_rust_analyzer()
    crate = hello_bin(tmp_path)
    params = server_params("rust-analyzer-mcp", "--root", str(crate), "--engine", "off", "--start-on-call")
    async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
        await client.list_tools()
        await anyio.sleep(5)  # past START_DELAY: the runtime is made, rust-analyzer is not started
        assert pids_under(crate, "rust-analyzer") == [], processes_under(crate)
        await right_hover(client, crate)
        assert len(pids_under(crate, "rust-analyzer")) == 1, processes_under(crate)


async def test_a_root_without_a_cargo_workspace_starts_no_rust_analyzer(tmp_path: Path) -> None:
    require_rust_analyzer()
    root = tmp_path / "notes"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "README.md").write_text("no Cargo.toml here or below\n")
    params = server_params("rust-analyzer-mcp", "--root", str(root), "--engine", "off")
    async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
        await client.call_tool("rust_analyzer_status", {})  # answered once the runtime is made
        await anyio.sleep(5)  # the start ahead decided right after the runtime the status waited for
        assert pids_under(root, "rust-analyzer") == [], processes_under(root)
        status = ra_structured("rust_analyzer_status", await client.call_tool("rust_analyzer_status", {}))
        assert not status.get("workspaces"), status


async def test_two_engine_sessions_on_one_workspace_start_one_rust_analyzer(tmp_path: Path) -> None:
    require_rust_analyzer()
    require_bubblewrap()
    crate = hello_bin(tmp_path)
    with engine_home() as home:
        params: StdioServerParameters = home.params("rust-analyzer-mcp", "--root", str(crate))
        async with (
            Client(params, mode="legacy", read_timeout_seconds=600) as first,
            Client(params, mode="legacy", read_timeout_seconds=600) as second,
        ):
            ahead = await analyzers_running(crate)  # neither session called a tool
            await anyio.sleep(2)  # a second start would have begun by now
            assert len(pids_under(crate, "rust-analyzer")) == 1, processes_under(crate)
            async with anyio.create_task_group() as group:
                group.start_soon(right_hover, first, crate)
                group.start_soon(right_hover, second, crate)
            assert pids_under(crate, "rust-analyzer") == ahead, processes_under(crate)
        assert len(home.engine_pids()) == 1


async def test_a_session_closed_while_its_start_runs_leaves_no_process(tmp_path: Path) -> None:
    require_rust_analyzer()
    crate = hello_bin(tmp_path)
    params = server_params("rust-analyzer-mcp", "--root", str(crate), "--engine", "off")
    for wait in (0.0, 1.0, 3.0):  # closed before, during and after rust-analyzer's start
        async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
            await client.list_tools()
            await anyio.sleep(wait)
        assert await wait_until_gone(crate) == [], f"after {wait} s"


async def test_the_start_ahead_makes_no_build_directory_a_read_only_client_refuses(tmp_path: Path) -> None:
    """Fetched (hello_bin has no dependencies) but building in `out`, which a read-only client may
    not write: nothing starts before a call, and a call without a policy then starts it there."""
    require_rust_analyzer()
    require_bubblewrap()
    crate = hello_bin(tmp_path)
    (crate / ".cargo").mkdir()
    (crate / ".cargo" / "config.toml").write_text('[build]\ntarget-dir = "out"\n')
    params = server_params("rust-analyzer-mcp", "--root", str(crate), "--engine", "off")
    async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
        await client.list_tools()
        await anyio.sleep(5)  # past START_DELAY: the start ahead was refused by now
        assert not (crate / "out").exists() and pids_under(crate, "rust-analyzer") == []
        await right_hover(client, crate)
        assert (crate / "out").is_dir() and len(pids_under(crate, "rust-analyzer")) == 1


async def test_a_client_that_says_nothing_and_leaves_leaves_no_process(tmp_path: Path) -> None:
    """rust-analyzer starts while the server loads (before any client message: ra_mcp/early_start.py);
    a client that closes the pipe without a word ends the server, and that start with it."""
    require_rust_analyzer()
    require_bubblewrap()
    crate = hello_bin(tmp_path)
    params = server_params("rust-analyzer-mcp", "--root", str(crate), "--engine", "off")
    async with await anyio.open_process([params.command, *params.args], env=params.env) as server:
        ahead = await analyzers_running(crate)  # nothing sent to the server yet
        assert len(ahead) == 1, processes_under(crate)
        assert server.stdin is not None
        await server.stdin.aclose()
        with anyio.fail_after(60):
            await server.wait()
    assert await wait_until_gone(crate) == []
