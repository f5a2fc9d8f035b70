"""Faults from outside: rust-analyzer killed at random points of a long session, cargo killed in the
middle of a build, a log file that cannot be written because the disk is full, and a test binary
that forks and hangs. Every call gets an answer or a clear error, later calls succeed, and no
process is left behind."""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from rust_mcp.dev.figures import record
from tests.real.test_ra_tools import call, ra_structured
from tests.support import (
    copy_fixture,
    live_processes,
    pids_under,
    processes_under,
    server_params,
    structured,
    text_of,
    wait_for_process,
    wait_until_gone,
)
from tests.support.mixed_calls import MixedCall, mixed_calls

pytestmark = [pytest.mark.anyio, pytest.mark.real]

SESSION_CALLS = 200
KILLS = int(os.environ.get("RUST_MCP_FAULT_KILLS", "8"))
SEED = int(os.environ.get("RUST_MCP_FAULT_SEED", "20261122"))
# what a call may say when rust-analyzer died under it twice (the pool retries once)
CLEAR_FAILURE = re.compile(
    r"rust-analyzer stopped twice while answering \(.*exited with code -9\)|still indexing"
)


def _analyzer_pids(project: Path) -> list[int]:
    return pids_under(project, "rust-analyzer")


async def test_rust_analyzer_killed_at_random_points_of_a_session(ra: Client, scratch: Path) -> None:
    """200 mixed calls; before or during some of them, chosen at random, rust-analyzer is killed.
    Each call answers correctly or fails with a clear error, and calls after the last kill succeed."""
    project = copy_fixture("workspace", scratch / "ra-chaos")
    calls = mixed_calls(project)
    rng = random.Random(SEED)
    plan = [rng.choice(calls) for _ in range(SESSION_CALLS)]
    kill_at = {index: rng.uniform(0.0, 0.4) for index in rng.sample(range(10, SESSION_CALLS - 20), KILLS)}
    outcomes: Counter[str] = Counter()
    unclear: list[str] = []
    errors: list[str] = []
    killed = 0
    started = time.monotonic()
    for index, planned in enumerate(plan):
        result_holder: dict[str, Any] = {}
        async with anyio.create_task_group() as group:

            async def one(planned: MixedCall = planned, holder: dict[str, Any] = result_holder) -> None:
                holder["result"] = await ra.call_tool(planned.tool, planned.arguments)

            group.start_soon(one)
            if index in kill_at:
                await anyio.sleep(kill_at[index])
                for pid in _analyzer_pids(project):
                    # its process group: the sandbox it runs in, with its proc-macro server
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(os.getpgid(pid), signal.SIGKILL)
                        killed += 1
        result = result_holder["result"]
        text = text_of(result)
        if result.is_error:
            clear = CLEAR_FAILURE.search(text) is not None
            outcomes["clear error" if clear else "unclear error"] += 1
            (errors if clear else unclear).append(f"#{index} {planned.tool}: {text[:300]}")
        elif planned.correct(ra_structured(planned.tool, result)):
            outcomes["correct"] += 1
        else:
            outcomes["wrong"] += 1
            unclear.append(f"#{index} {planned.tool} answered wrongly: {text[:300]}")
        if index >= SESSION_CALLS - 20:  # well after the last kill: everything works again
            assert not result.is_error, f"#{index} {planned.tool} after recovery: {text[:300]}"
    elapsed = time.monotonic() - started
    status = await call(ra, "rust_analyzer_status", {})
    [workspace] = [w for w in status["workspaces"] if w["root"] == str(project)]
    record("rust-analyzer kills in a 200-call session", killed)
    record("calls answered correctly despite kills", outcomes["correct"])
    record("calls failed with a clear error", outcomes["clear error"])
    record("calls answered wrongly or unclearly", outcomes["wrong"] + outcomes["unclear error"])
    print(f"\n{SESSION_CALLS} calls, {killed} kills, {dict(outcomes)} in {elapsed:.1f} s")
    print("\n".join(errors))
    # what the killed rust-analyzers started (proc-macro servers, cargo checks) went with them
    strays = []
    for pid, _, command in live_processes(project):
        with contextlib.suppress(ProcessLookupError):
            if os.getpgid(pid) != workspace["pid"]:
                strays.append(f"{pid} {command[:120]}")
    record("orphan processes", len(strays), add=True)
    record("process-tree cleanups checked", 1, add=True)
    assert strays == []
    assert unclear == []
    assert killed >= KILLS - 1  # a kill may land while no rust-analyzer runs (it was restarting)
    assert workspace["restarts"] >= killed - 1 and workspace["pid"] is not None


async def test_cargo_killed_mid_build_is_reported_and_cleaned_up(cargo: Client, scratch: Path) -> None:
    """cargo dies from outside (as under the out-of-memory killer) while rustc works: the call says
    so, the rustc it left running is killed with the group, and the next build succeeds."""
    project = copy_fixture("workspace", scratch / "cargo-killed")
    marker = project / "macros" / "slow-expansion"
    marker.write_text("60000")  # the Describe derive sleeps a minute while this exists
    outcome: dict[str, Any] = {}
    try:
        async with anyio.create_task_group() as group:

            async def build() -> None:
                outcome["result"] = await cargo.call_tool("cargo_build", {"path": str(project)})

            group.start_soon(build)
            await wait_for_process(project, "--crate-name app")
            victims = pids_under(project, "cargo")
            assert victims, processes_under(project)
            for pid in victims:
                # killing one cargo ends its sandbox, and with it a second cargo (clippy's) may go
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    finally:
        marker.unlink()
    result = outcome["result"]
    body = structured(result)
    assert result.is_error and body["exit_code"] == -signal.SIGKILL
    assert "was killed by SIGKILL" in body["summary"], body["summary"]
    assert any("killed by SIGKILL from outside" in hint for hint in body["hints"]), body["hints"]
    assert await wait_until_gone(project) == []  # the rustc cargo left behind went with the group
    again = await cargo.call_tool("cargo_build", {"path": str(project)})
    assert not again.is_error, text_of(again)


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs: a log directory where writes fail with ENOSPC, as on a full disk."""
    mount_point = tmp_path / "full"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.fail(
            "the disk-full test mounts a 64 KiB tmpfs and needs root (CI runs as root): "
            f"{mounted.stderr.strip()}"
        )
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


async def test_a_full_disk_loses_the_log_not_the_result(full_disk: Path, workspace_root: Path) -> None:
    params = server_params(
        "cargo-mcp", "serve", "--root", str(workspace_root), "--log-dir", str(full_disk / "logs")
    )
    async with Client(params, mode="legacy", read_timeout_seconds=300) as client:
        for _ in range(2):  # and again, with the disk still full
            result = await client.call_tool(
                "cargo_run", {"path": str(workspace_root / "noisy"), "bin": "flood"}
            )
            body = structured(result)
            assert not result.is_error and body["ok"], text_of(result)
            assert body["log_path"] is None
            assert body["stdout"].rstrip().endswith("flood: done") and body["output_truncated"]
            assert any(
                "full log could not be saved" in hint and "No space left on device" in hint
                for hint in body["hints"]
            ), body["hints"]
        assert list((full_disk / "logs").iterdir()) == []  # no partial log holds on to the space
        small = await client.call_tool("cargo_metadata", {"path": str(workspace_root / "hello_bin")})
        assert not small.is_error, text_of(small)


async def test_cancelling_a_forking_hung_test_leaves_no_process(cargo: Client, scratch: Path) -> None:
    project = copy_fixture("tests_hang", scratch / "fork-cancel")
    async with anyio.create_task_group() as group:
        group.start_soon(
            cargo.call_tool, "cargo_test", {"path": str(project), "test_name": "forks_and_hangs"}
        )
        await wait_for_process(project, "sleep")  # the test's forked child is running
        group.cancel_scope.cancel()
    assert await wait_until_gone(project) == []
