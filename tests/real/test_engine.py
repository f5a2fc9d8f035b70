"""The per-user engine with real processes: fronts, sockets, the lifecycle and per-session truth.
Each test has a runtime directory (and so an engine) of its own, with a short idle time, and stops
its engine at the end; nothing is left running."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from rust_mcp.engine.handshake import session_request
from rust_mcp.engine.identity import build_identity, handshake_identity, relevant_environment
from tests.support import BIN, copy_fixture, live_processes, require_rust_analyzer, text_of
from tests.support.engine_support import engine_home, run_front_once

pytestmark = [pytest.mark.real, pytest.mark.anyio]
HEAVY = ("mcp", "mcp_types", "pydantic", "anyio", "pygls", "lsprotocol")


def _stable(result: Any) -> dict[str, Any]:
    """What two runs of the same check must agree on (not times, not the summary line's wording)."""
    content = result.structured_content
    kept = ("tool", "ok", "exit_code", "argv", "cwd", "manifest", "toolchain", "diagnostics", "counts")
    return {key: content.get(key) for key in kept}


async def test_a_tool_call_through_the_engine_answers_as_in_process(tmp_path: Path) -> None:
    require_rust_analyzer()
    project = copy_fixture("hello_bin", tmp_path)
    hover = {"symbol": "greeting", "workspace": str(project)}
    answers: dict[str, tuple[Any, str]] = {}
    with engine_home() as home:
        for mode in ("engine", "off"):
            extra = ("--engine", "off") if mode == "off" else ()
            cargo_params = home.params("cargo-mcp", "serve", "--root", str(tmp_path), *extra)
            ra_params = home.params("rust-analyzer-mcp", "--root", str(tmp_path), *extra)
            async with Client(cargo_params, mode="legacy", read_timeout_seconds=600) as cargo:
                checked = await cargo.call_tool("cargo_check", {"path": str(project)})
            async with Client(ra_params, mode="legacy", read_timeout_seconds=600) as ra:
                hovered = await ra.call_tool("rust_analyzer_hover", hover)
            assert not checked.is_error and not hovered.is_error, (text_of(checked), text_of(hovered))
            answers[mode] = (_stable(checked), text_of(hovered))
        assert len(home.engine_pids()) == 1
    assert answers["engine"] == answers["off"]
    assert "fn greeting" in answers["engine"][1]
    assert answers["engine"][0]["ok"] is True


async def test_two_fronts_started_together_get_one_engine(tmp_path: Path) -> None:
    with engine_home() as home:
        tools: list[int] = []

        async def one_session() -> None:
            params = home.params("cargo-mcp", "serve", "--root", str(tmp_path))
            async with Client(params, mode="legacy", read_timeout_seconds=120) as client:
                tools.append(len((await client.list_tools()).tools))
                await anyio.sleep(1)  # both sessions open at once

        async with anyio.create_task_group() as group:
            for _ in range(3):
                group.start_soon(one_session)
        assert len(tools) == 3 and min(tools) > 10
        assert len(home.engine_pids()) == 1
        [status] = home.status()
        assert status["pid"] == home.engine_pids()[0]


async def test_a_session_cannot_reach_another_sessions_root(tmp_path: Path) -> None:
    require_rust_analyzer()
    root_a, root_b = tmp_path / "a", tmp_path / "b"
    root_a.mkdir()
    root_b.mkdir()
    copy_fixture("hello_bin", root_a)
    in_b = copy_fixture("hello_bin", root_b)
    with engine_home() as home:
        params_a = home.params("cargo-mcp", "serve", "--root", str(root_a))
        params_b = home.params("cargo-mcp", "serve", "--root", str(root_b))
        ra_a = home.params("rust-analyzer-mcp", "--root", str(root_a))
        async with (
            Client(params_a, mode="legacy", read_timeout_seconds=600) as session_a,
            Client(params_b, mode="legacy", read_timeout_seconds=600) as session_b,
            Client(ra_a, mode="legacy", read_timeout_seconds=600) as analyzer_a,
        ):
            works = await session_b.call_tool("cargo_check", {"path": str(in_b)})
            assert not works.is_error, text_of(works)
            refused = await session_a.call_tool("cargo_check", {"path": str(in_b)})
            read = await analyzer_a.call_tool(
                "rust_analyzer_hover", {"file_path": str(in_b / "src/main.rs"), "line": 3, "column": 4}
            )
        assert len(home.engine_pids()) == 1
    for answer in (refused, read):
        assert answer.is_error
        assert "outside the allowed roots" in text_of(answer), text_of(answer)


async def test_killing_the_engine_mid_call_is_a_clear_error_and_the_next_call_works(tmp_path: Path) -> None:
    project = copy_fixture("tests_hang", tmp_path)
    with engine_home() as home:
        params = home.params("cargo-mcp", "serve", "--root", str(tmp_path))
        async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
            await client.list_tools()
            [first] = home.engine_pids()
            failure: list[str] = []

            async def long_call() -> None:
                try:
                    await client.call_tool("cargo_test", {"path": str(project), "timeout_secs": 300})
                except MCPError as exc:
                    failure.append(str(exc))

            async with anyio.create_task_group() as group:
                group.start_soon(long_call)
                await anyio.sleep(3)
                os.kill(first, signal.SIGKILL)
            assert failure and "engine stopped" in failure[0] and "next call starts it again" in failure[0]
            tools = await client.list_tools()  # the session goes on, on a new engine
            assert len(tools.tools) > 10
            assert home.engine_pids() and home.engine_pids() != [first]


async def test_an_engine_of_another_build_is_not_used_and_drains(tmp_path: Path) -> None:
    with engine_home() as home:
        params = home.params("cargo-mcp", "serve", "--root", str(tmp_path))
        async with Client(params, mode="legacy", read_timeout_seconds=120) as client:
            await client.list_tools()
        [old] = home.engine_pids()
        [socket_path] = home.directory.glob("*.sock")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as raw:  # an older front's build
            raw.connect(str(socket_path))
            older = handshake_identity(
                {**build_identity(), "fingerprint": "0" * 16}, relevant_environment(home.env)
            )
            raw.sendall(session_request(older, "cargo", [], "/tmp"))
            answer = json.loads(raw.makefile("rb").readline())
        assert (
            answer["ok"] is False
            and "only uses an engine of its own build and environment" in answer["error"]
        )
        touched = Path(build_identity()["install"]) / "rust_mcp" / "engine" / "__init__.py"
        os.utime(touched)  # this install's files changed: a new build
        async with Client(params, mode="legacy", read_timeout_seconds=120) as client:
            await client.list_tools()
            pids = home.engine_pids()
            assert len(pids) >= 1 and pids[-1] != old
        assert old not in home.wait_for_no_engine_but(pids[-1]), "the older engine did not drain and exit"


async def test_idle_exit_leaves_no_process(tmp_path: Path) -> None:
    require_rust_analyzer()
    project = copy_fixture("hello_bin", tmp_path)
    with engine_home(idle_minutes=0.05) as home:
        params = home.params("rust-analyzer-mcp", "--root", str(tmp_path))
        async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
            hovered = await client.call_tool(
                "rust_analyzer_hover", {"symbol": "greeting", "workspace": str(project)}
            )
            assert not hovered.is_error, text_of(hovered)
            [status] = home.status()
            assert status["rust_analyzers"], status
        assert home.wait_for_no_engine(90) == []
        deadline = time.monotonic() + 30
        while live_processes(tmp_path) and time.monotonic() < deadline:
            await anyio.sleep(0.2)
        assert live_processes(tmp_path) == []


def test_a_peer_of_another_uid_is_refused(tmp_path: Path) -> None:
    if os.getuid() != 0:
        pytest.skip("only root can become another user")
    with engine_home() as home:
        started = run_front_once(home, [str(BIN / "cargo-mcp"), "serve", "--root", str(tmp_path)])
        assert started.returncode == 0, started.stderr
        [socket_path] = home.directory.glob("*.sock")
        for path, mode in ((home.runtime, 0o711), (home.directory, 0o711), (socket_path, 0o666)):
            os.chmod(path, mode)  # for this test only: let another user reach the socket at all
        ours = handshake_identity(build_identity(), relevant_environment(home.env))
        request = session_request(
            ours, "cargo", [], "/tmp"
        )  # made here: the other user cannot read our files
        read_end, write_end = os.pipe()
        child = os.fork()
        if child == 0:  # pragma: no cover - the other user
            try:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as raw:
                    raw.connect(str(socket_path))
                    with contextlib.suppress(BrokenPipeError):  # refused before the request was read
                        raw.sendall(request)
                    os.write(write_end, raw.makefile("rb").readline())
            except OSError as exc:  # said in the failure, not an empty answer
                os.write(write_end, json.dumps({"child": repr(exc)}).encode())
            finally:
                os._exit(0)
        os.close(write_end)
        os.waitpid(child, 0)
        with os.fdopen(read_end, "rb") as answer_file:
            answer = json.loads(answer_file.read() or b"{}")
        log = next(home.directory.glob("*.log")).read_text()
    assert answer.get("ok") is False and "uid 65534 may not use" in answer["error"], answer
    assert "refused a connection from pid" in log and "of uid 65534" in log


def test_a_front_imports_no_mcp_sdk(tmp_path: Path) -> None:
    with engine_home() as home:
        for command in (["-m", "cargo_mcp", "serve"], ["-m", "ra_mcp"]):
            done = run_front_once(
                home, [sys.executable, "-X", "importtime", *command, "--root", str(tmp_path)]
            )
            assert done.returncode == 0, done.stderr[-2000:]
            imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
            assert "rust_mcp.engine.relay" in imported
            heavy = {name for name in imported if name.split(".")[0] in HEAVY}
            assert heavy == set(), heavy


def test_a_bad_root_is_refused_by_the_engine_as_by_the_cli(tmp_path: Path) -> None:
    with engine_home() as home:
        answers = [
            run_front_once(
                home, [str(BIN / "cargo-mcp"), "serve", "--root", str(tmp_path / "missing"), *extra]
            )
            for extra in ((), ("--engine", "off"))
        ]
    for done in answers:
        assert done.returncode == 1
        assert done.stderr.strip().endswith(f"--root {str(tmp_path / 'missing')!r} is not a directory")
