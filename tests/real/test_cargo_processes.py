"""Long work: timeouts and cancellation leave no process behind, calls run concurrently, and progress
keeps a long build alive."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from tests.support import (
    copy_fixture,
    processes_under,
    structured,
    text_of,
    wait_for_process,
    wait_until_gone,
)

pytestmark = [pytest.mark.anyio, pytest.mark.real]


async def test_timeout_kills_the_hanging_test_and_its_forked_child(cargo: Client, scratch: Path) -> None:
    project = copy_fixture("tests_hang", scratch / "timeout")
    messages: list[str] = []

    async def progress(progress: float, total: float | None, message: str | None) -> None:
        messages.append(message or "")

    result = await cargo.call_tool(
        "cargo_test",
        # long enough that the test is silent for a heartbeat (10 s) after compiling on a busy machine
        {"path": str(project), "test_name": "hangs", "timeout_secs": 25},
        progress_callback=progress,
    )
    body = structured(result)
    assert result.is_error and body["timed_out"] is True and body["exit_code"] is None
    assert "timed out after 25 s" in body["summary"]
    assert any("process group killed" in hint or "killed" in hint for hint in body["hints"])
    # the test binary, its `sleep 1000` child and cargo are all gone
    assert await wait_until_gone(project) == []
    # heartbeats kept the call alive while the test printed nothing
    assert any("still running" in m for m in messages), messages


async def test_a_daemon_a_passing_test_leaves_behind_ends_with_the_call(cargo: Client, scratch: Path) -> None:
    """The test starts `sleep 1000` in a process group of its own and passes. In the sandbox that
    process dies with the call (the pid namespace ends with bubblewrap), so the runner need not look
    for members of the group after a normal exit."""
    project = copy_fixture("tests_hang", scratch / "daemon")
    result = await cargo.call_tool(
        "cargo_test", {"path": str(project), "test_name": "leaves_a_daemon_behind"}
    )
    body = structured(result)
    assert not result.is_error and body["tests"]["passed"] == 1, text_of(result)
    assert processes_under(project) == []  # at once, not after a wait


async def test_cancellation_kills_a_program_that_never_exits(cargo: Client, scratch: Path) -> None:
    project = copy_fixture("tests_hang", scratch / "cancel")
    outcome: dict[str, Any] = {}
    async with anyio.create_task_group() as group:

        async def run_forever() -> None:
            with anyio.CancelScope() as scope:
                outcome["scope"] = scope
                await cargo.call_tool("cargo_run", {"path": str(project), "bin": "forever"})
                outcome["returned"] = True

        group.start_soon(run_forever)
        await wait_for_process(project, "forever")
        outcome["scope"].cancel()  # the SDK sends notifications/cancelled for the abandoned call
    assert "returned" not in outcome
    assert await wait_until_gone(project) == []
    # the server is fine afterwards
    after = await cargo.call_tool("cargo_check", {"path": str(project)})
    assert not after.is_error, text_of(after)


async def test_a_long_test_does_not_delay_metadata(
    cargo: Client, scratch: Path, workspace_root: Path
) -> None:
    project = copy_fixture("tests_hang", scratch / "concurrent")
    async with anyio.create_task_group() as group:
        slow: dict[str, Any] = {}

        async def hang() -> None:
            slow["result"] = await cargo.call_tool(
                "cargo_test", {"path": str(project), "test_name": "hangs_forever", "timeout_secs": 30}
            )

        group.start_soon(hang)
        await wait_for_process(project, "tests_hang-")
        started = time.monotonic()
        metadata = await cargo.call_tool("cargo_metadata", {"path": str(workspace_root / "workspace")})
        elapsed = time.monotonic() - started
        assert not metadata.is_error and elapsed < 5.0, elapsed
        assert "result" not in slow, "the hanging test finished early"
        group.cancel_scope.cancel()
    assert await wait_until_gone(project) == []


async def test_progress_reports_units_done_and_total(cargo: Client, scratch: Path) -> None:
    project = copy_fixture("workspace", scratch / "progress")
    updates: list[tuple[float, float | None, str]] = []

    async def progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append((progress, total, message or ""))

    result = await cargo.call_tool(
        "cargo_build", {"path": str(project), "release": True, "workspace": True}, progress_callback=progress
    )
    assert not result.is_error, text_of(result)
    assert updates, "no progress notifications during a build"
    values = [u[0] for u in updates]
    assert values == sorted(values) and len(set(values)) == len(values), "progress must increase"
    assert any(total is not None and total >= 3 for _, total, _ in updates), updates
    assert any("/" in message for _, _, message in updates), updates


async def test_waiting_for_the_build_lock_is_reported(cargo: Client, scratch: Path) -> None:
    """One build holds cargo's lock (the fixture's proc-macro sleeps while a marker file exists);
    a second build on the same project reports that it is waiting."""
    project = copy_fixture("workspace", scratch / "lock")
    marker = project / "macros" / "slow-expansion"
    marker.write_text("6000")
    messages: list[str] = []

    async def progress(progress: float, total: float | None, message: str | None) -> None:
        messages.append(message or "")

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(cargo.call_tool, "cargo_build", {"path": str(project)})
            await wait_for_process(project, "--crate-name app")
            second = await cargo.call_tool("cargo_check", {"path": str(project)}, progress_callback=progress)
            assert not second.is_error, text_of(second)
    finally:
        marker.unlink()
    assert any(m.startswith("waiting for file lock on build directory") for m in messages), messages
