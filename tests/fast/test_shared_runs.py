"""Shared cargo runs (rust_mcp/core/shared_runs.py) and the project state that keys them
(tree_state.py), without processes: the job is the boundary this module owns, so a plain coroutine
stands for the cargo run here; the real runs are in test_shared_checks.py."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from rust_mcp.core.shared_runs import Shared, SharedRuns, StillRunning
from rust_mcp.core.tree_state import tree_state

pytestmark = pytest.mark.anyio


class Job:
    """Counts its runs; each waits for `release` and answers with its number."""

    def __init__(self) -> None:
        self.runs = 0
        self.cancelled = 0
        self.release = anyio.Event()

    async def __call__(self, progress: object) -> int:
        self.runs += 1
        number = self.runs
        try:
            await progress(1.0, None, f"run {number}")  # type: ignore[operator]
            await self.release.wait()
        except BaseException:
            self.cancelled += 1
            raise
        return number


async def test_identical_calls_at_once_share_one_run_and_each_gets_progress() -> None:
    runs, job = SharedRuns[int](), Job()
    answers: list[tuple[int, bool]] = []
    progress: list[str] = []

    async def report(value: float, total: float | None, message: str) -> None:
        progress.append(message)

    async def ask() -> None:
        shared = await runs.run("check", "state-1", job, report)
        answers.append((shared.result, shared.joined))

    async with anyio.create_task_group() as group:
        group.start_soon(ask)
        group.start_soon(ask)
        await anyio.sleep(0.05)
        job.release.set()
    assert job.runs == 1 and runs.status() == {"started": 1, "running": 0, "waiting": 0, "kept": 1}
    assert sorted(answers) == [(1, False), (1, True)]
    assert progress  # the run's progress reached its callers


async def test_one_caller_cancelled_leaves_the_run_to_the_other() -> None:
    runs, job = SharedRuns[int](), Job()
    got: list[int] = []

    async def ask() -> None:
        got.append((await runs.run("check", "s", job)).result)

    impatient = anyio.CancelScope()

    async def cancelled_caller() -> None:
        with impatient:
            await runs.run("check", "s", job)

    async with anyio.create_task_group() as group:
        group.start_soon(ask)
        group.start_soon(cancelled_caller)
        await anyio.sleep(0.05)
        impatient.cancel()
        await anyio.sleep(0.05)
        assert job.cancelled == 0  # the other still waits: the run goes on
        job.release.set()
    assert got == [1] and job.runs == 1


async def test_the_run_stops_when_its_last_caller_is_cancelled() -> None:
    runs, job = SharedRuns[int](), Job()
    with anyio.move_on_after(0.1):
        await runs.run("check", "s", job)
    assert job.cancelled == 1  # stopped before the cancelled call returned
    job.release.set()
    assert (await runs.run("check", "s", job)).result == 2  # a cancelled run is not reused


async def test_a_finished_run_answers_again_only_for_the_same_state() -> None:
    runs, job = SharedRuns[int](), Job()
    job.release.set()
    first = await runs.run("check", "s1", job)
    again = await runs.run("check", "s1", job)
    assert (first.result, first.reused_after, again.result) == (1, None, 1)
    assert again.reused_after is not None and "reused the cargo check finished" in (
        again.note("cargo check") or ""
    )
    changed = await runs.run("check", "s2", job)
    other_key = await runs.run("clippy", "s2", job)
    assert (changed.result, changed.reused_after, other_key.result) == (2, None, 3)
    runs.forget(lambda key: key == "check")
    assert (await runs.run("check", "s2", job)).result == 4
    assert (await runs.run("clippy", "s2", job)).reused_after is not None


async def test_results_the_caller_rejects_are_not_reused() -> None:
    runs, job = SharedRuns[int](), Job()
    job.release.set()
    await runs.run("check", "s", job, reusable=lambda result: False)
    assert (await runs.run("check", "s", job, reusable=lambda result: False)).result == 2


async def test_a_run_past_the_answer_deadline_goes_on_and_the_next_call_gets_it_once() -> None:
    runs, job = SharedRuns[int](hand_once=True), Job()
    left = await runs.run_or_leave("build", "s", job, None, lambda result: True, 0.05)
    assert isinstance(left, StillRunning) and left.progress == "run 1"
    assert runs.status()["running"] == 1 and job.cancelled == 0  # left going, not stopped
    job.release.set()
    await anyio.sleep(0.05)  # it finishes with nobody waiting: kept for the caller coming back
    taken = await runs.run_or_leave("build", "s", job, None, lambda result: True, 0.05)
    assert isinstance(taken, Shared) and taken.result == 1 and taken.left_running
    assert "left running at its answer deadline finished" in (taken.note("cargo build") or "")
    again = await runs.run_or_leave("build", "s", job, None, lambda result: True, 0.05)
    assert isinstance(again, Shared) and again.result == 2 and not again.left_running  # ran again


async def test_a_call_coming_back_joins_the_run_it_left_and_a_cancel_then_stops_it() -> None:
    runs, job = SharedRuns[int](hand_once=True), Job()
    assert isinstance(await runs.run_or_leave("test", "s", job, None, lambda r: True, 0.05), StillRunning)
    with anyio.move_on_after(0.1):  # the caller comes back, waits, and is cancelled (the user's stop)
        await runs.run_or_leave("test", "s", job, None, lambda r: True, None)
    await anyio.sleep(0.05)
    assert job.cancelled == 1 and runs.status()["running"] == 0  # nobody waits: the run is stopped
    job.release.set()
    joined = await runs.run_or_leave("test", "s", job, None, lambda r: True, None)
    assert isinstance(joined, Shared) and joined.result == 2


async def test_a_check_left_running_is_handed_over_then_reused_while_nothing_changes() -> None:
    runs, job = SharedRuns[int](), Job()
    assert isinstance(await runs.run_or_leave("check", "s", job, None, lambda r: True, 0.05), StillRunning)
    job.release.set()
    await anyio.sleep(0.05)
    first = await runs.run("check", "s", job)
    second = await runs.run("check", "s", job)
    assert first.result == second.result == 1 and first.left_running and not second.left_running


def test_tree_state_follows_the_files_not_the_build_output(tmp_path: Path) -> None:
    crate, shared = tmp_path / "crate", tmp_path / "shared"
    for directory in (crate, shared):
        (directory / "src").mkdir(parents=True)
        (directory / "src" / "lib.rs").write_text("pub fn f() {}\n")
    manifest = (
        '[package]\nname = "crate"\nversion = "0.1.0"\n[dependencies]\nshared = { path = "../shared" }\n'
    )
    (crate / "Cargo.toml").write_text(manifest)
    (shared / "Cargo.toml").write_text('[package]\nname = "shared"\nversion = "0.1.0"\n')
    before = tree_state(crate, [tmp_path])
    assert tree_state(crate, [tmp_path]) == before
    (crate / "target" / "debug").mkdir(parents=True)
    (crate / "target" / "debug" / "out").write_text("built")
    assert tree_state(crate, [tmp_path]) == before  # build output is not the project's state
    (crate / "src" / "lib.rs").write_text("pub fn f() -> u8 { 1 }\n")
    edited = tree_state(crate, [tmp_path])
    assert edited != before
    (shared / "src" / "lib.rs").write_text("pub fn g() {}\n")  # a path dependency outside the root
    assert tree_state(crate, [tmp_path]) != edited
    moved = tree_state(crate, [tmp_path])
    (crate / "src" / "new.rs").write_text("")
    assert tree_state(crate, [tmp_path]) != moved


def test_tree_state_never_walks_what_the_project_names_outside_the_roots(tmp_path: Path) -> None:
    """A link or a path dependency leading outside the allowed roots is never listed: the state is
    then one of its own each time (no run reused), never a walk of the operator's files."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    crate = root / "crate"
    (crate / "src").mkdir(parents=True)
    (crate / "src" / "lib.rs").write_text("pub fn f() {}\n")
    (crate / "Cargo.toml").write_text('[package]\nname = "crate"\nversion = "0.1.0"\n')
    (outside / "private").mkdir(parents=True)
    (outside / "private" / "key").write_text("secret")
    assert tree_state(crate, [root]) == tree_state(crate, [root])
    (crate / "src" / "escape").symlink_to(outside)
    assert tree_state(crate, [root]) != tree_state(crate, [root])  # a state of its own each time
    assert tree_state(crate, [root, outside]) == tree_state(crate, [root, outside])  # inside: walked
    (crate / "src" / "escape").unlink()
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "crate"\nversion = "0.1.0"\n[dependencies]\nkey = { path = "../../outside" }\n'
    )
    assert tree_state(crate, [root]) != tree_state(crate, [root])
    (crate / "src" / "inner").symlink_to(crate / "src")  # a link inside the root: nothing more walked
    assert tree_state(crate, [tmp_path]) == tree_state(crate, [tmp_path])
