"""Twelfth red team: files a dependency change or clippy --fix must put back were put back on the
event loop: the snapshot of every manifest before `verify` (a walk of the whole tree and up to 256
MiB read), the restore after a change that broke the build, and the restore while a cancelled call
unwinds (every kept file read again, the changed ones written and fsynced). A slow disk, or a
project of many large files, stalled every other call of the server for as long. Now they run on a
worker thread; a cancelled call's restore is shielded from its cancellation and still completes."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, cast

import anyio
import pytest

from cargo_mcp.run import guards
from cargo_mcp.workflows import verified_change
from rust_mcp.core.files import FileSnapshot

SLOW = 0.6  # seconds a restore (or a snapshot) takes on a slow disk, here


def _slowed(monkeypatch: pytest.MonkeyPatch, name: str, threads: list[str]) -> None:
    original = getattr(FileSnapshot, name)

    def slow(first: Any, *args: Any) -> Any:  # `self` of restore, `cls` of manifests
        threads.append(threading.current_thread().name)
        time.sleep(SLOW)
        return original(*args) if name == "manifests" else original(first, *args)

    monkeypatch.setattr(FileSnapshot, name, classmethod(slow) if name == "manifests" else slow)


async def _longest_gap(work: Any) -> float:
    """The longest the loop went without running a ticker while `work()` ran."""
    gaps = [0.0]
    done = anyio.Event()

    async def ticker() -> None:
        last = time.monotonic()
        while not done.is_set():
            await anyio.sleep(0.01)
            gaps.append(time.monotonic() - last)
            last = time.monotonic()

    async with anyio.create_task_group() as group:
        group.start_soon(ticker)
        await anyio.sleep(0.05)
        await work()
        done.set()
    return max(gaps)


def test_a_cancelled_calls_restore_runs_off_the_loop_and_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = tmp_path / "Cargo.toml"
    manifest.write_text('[package]\nname = "a"\n')
    snapshot = FileSnapshot.manifests(tmp_path)
    manifest.write_text('[package]\nname = "half changed"\n')
    threads: list[str] = []
    _slowed(monkeypatch, "restore", threads)

    async def cancelled_call() -> None:
        with anyio.CancelScope() as scope:
            scope.cancel()
            try:
                await anyio.sleep(5)
            except anyio.get_cancelled_exc_class():
                await cast(Any, guards.restore_quietly(snapshot))
                raise

    gap = anyio.run(_longest_gap, cancelled_call)
    assert manifest.read_text() == '[package]\nname = "a"\n'
    assert threads and threads[0] != threading.main_thread().name
    assert gap < SLOW / 2, f"the loop stalled {gap:.2f} s"


def test_the_snapshot_before_verify_is_taken_off_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "a"\n')
    threads: list[str] = []
    _slowed(monkeypatch, "manifests", threads)

    class Refusing:  # the service refuses the baseline run: only the snapshot before it is watched
        def prepare(self, *args: Any) -> None:
            return None

        async def execute(self, *args: Any, **options: Any) -> None:
            raise RuntimeError("no cargo here")

    class Invocation:
        workspace_root = tmp_path
        manifest = tmp_path / "Cargo.toml"

    async def verify() -> None:
        with pytest.raises(RuntimeError):
            await verified_change.change_and_verify(
                cast(Any, Refusing()), cast(Any, Invocation()), {"verify": "check"}, None, None, None
            )

    gap = anyio.run(_longest_gap, verify)
    assert threads and threads[0] != threading.main_thread().name
    assert gap < SLOW / 2, f"the loop stalled {gap:.2f} s"
