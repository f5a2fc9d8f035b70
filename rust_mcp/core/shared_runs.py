"""Identical cargo runs shared within one process (the engine's sessions, or one server's calls).

A run is identified by a key (workspace, toolchain, argv, environment, sandbox and client policy:
whatever the caller's run depends on) and a state (the project's files as they are: tree_state.py).
Callers asking for the same key and state while a run is going share it: each gets its whole answer,
each gets the run's progress, and one cancelled leaves the run going for the others (it stops only
when no caller waits for it). A run that finished for a key is returned again, without running
cargo, to a caller whose state is the same, so a question asked again with nothing changed costs
nothing; any change to the files gives another state, hence a new run. The same shape as
rust-analyzer's flycheck joins in ra_mcp/workspace/flycheck.py, keyed by the files' state instead of a
generation."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import anyio

from .budgets import ProgressCallback

T = TypeVar("T")
KEPT_FINISHED = 32  # finished runs remembered for reuse
ENV_NAMES = frozenset({"PATH", "HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR", "TMPDIR"})
ENV_PREFIXES = ("CARGO", "RUST", "RA_", "SCCACHE")


def relevant_env(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The variables of `env` that change how cargo, rustup or rust-analyzer run, sorted."""
    return tuple(
        sorted(
            (name, value) for name, value in env.items() if name in ENV_NAMES or name.startswith(ENV_PREFIXES)
        )
    )


@dataclass(frozen=True)
class Shared(Generic[T]):
    """A caller's answer: `result`, and how it came: `reused_after` seconds after an identical run
    finished (None: a run served this call), `joined` a run another caller had started."""

    result: T
    reused_after: float | None = None
    joined: bool = False

    def note(self, what: str) -> str | None:
        """What the answer says about it, or None when this call ran it alone."""
        if self.reused_after is not None:
            return (
                f"reused the {what} finished {self.reused_after:.0f} s ago with the same arguments on the "
                "same files (nothing changed since); its findings stand"
            )
        if self.joined:
            return f"shared an identical {what} another call had started (one run served both)"
        return None


@dataclass
class _Running(Generic[T]):
    task: asyncio.Task[T]
    waiters: int = 0
    reports: list[ProgressCallback] = field(default_factory=list)

    async def report(self, progress: float, total: float | None, message: str) -> None:
        for report in list(self.reports):
            with contextlib.suppress(Exception):  # one client gone does not stop the others' progress
                await report(progress, total, message)


@dataclass
class _Finished(Generic[T]):
    result: T
    at: float


class SharedRuns(Generic[T]):
    def __init__(self, kept: int = KEPT_FINISHED) -> None:
        self.kept = kept
        self.started = 0  # runs started (each one ran the job once)
        self._running: dict[tuple[Hashable, Hashable], _Running[T]] = {}
        self._finished: OrderedDict[tuple[Hashable, Hashable], _Finished[T]] = OrderedDict()

    async def run(
        self,
        key: Hashable,
        state: Hashable,
        job: Callable[[ProgressCallback], Coroutine[Any, Any, T]],
        report: ProgressCallback | None = None,
        reusable: Callable[[T], bool] = lambda result: True,
    ) -> Shared[T]:
        """`job`'s result for `key` on `state`: a finished one, the running one, or a new run (given
        a progress callback reaching every caller). Results `reusable` rejects (a timeout, a run
        killed) are not returned again."""
        ident = (key, state)
        finished = self._finished.get(ident)
        if finished is not None:
            self._finished.move_to_end(ident)
            return Shared(finished.result, reused_after=time.monotonic() - finished.at)
        running = self._running.get(ident)
        joined = running is not None
        if running is None:
            running = self._start(ident, job, reusable)
        running.waiters += 1
        if report is not None:
            running.reports.append(report)
        try:
            result = await asyncio.shield(running.task)
        except asyncio.CancelledError:
            running.waiters -= 1
            if running.waiters == 0 and not running.task.done():
                running.task.cancel()  # nobody waits for it any more: stopped, and its processes
                with anyio.CancelScope(shield=True):  # gone, before this caller's cancellation ends
                    await asyncio.wait([running.task])
            raise
        finally:
            if report is not None and report in running.reports:
                running.reports.remove(report)
        return Shared(result, joined=joined)

    def _start(
        self,
        ident: tuple[Hashable, Hashable],
        job: Callable[[ProgressCallback], Coroutine[Any, Any, T]],
        reusable: Callable[[T], bool],
    ) -> _Running[T]:
        holder: list[_Running[T]] = []

        async def progress(value: float, total: float | None, message: str) -> None:
            await holder[0].report(value, total, message)

        task = asyncio.get_running_loop().create_task(job(progress), name="shared cargo run")
        running = _Running(task)
        holder.append(running)
        self._running[ident] = running
        self.started += 1

        def done(ended: asyncio.Task[T]) -> None:
            if self._running.get(ident) is running:
                del self._running[ident]
            if ended.cancelled() or ended.exception() is not None or not reusable(ended.result()):
                return
            self._finished[ident] = _Finished(ended.result(), time.monotonic())
            while len(self._finished) > self.kept:
                self._finished.popitem(last=False)

        task.add_done_callback(done)
        return running

    def status(self) -> dict[str, int]:
        """Runs started, running now (with how many callers wait), and finished ones kept for reuse."""
        return {
            "started": self.started,
            "running": len(self._running),
            "waiting": sum(running.waiters for running in self._running.values()),
            "kept": len(self._finished),
        }

    def forget(self, which: Callable[[Hashable], bool] = lambda key: True) -> None:
        """Drop the finished runs whose key `which` selects (default: all), e.g. after another
        command changed what they built (cargo clean)."""
        for ident in [ident for ident in self._finished if which(ident[0])]:
            del self._finished[ident]
