"""Identical cargo runs shared within one process (the engine's sessions, or one server's calls).

A run is identified by a key (workspace, toolchain, argv, environment, sandbox and client policy:
whatever the caller's run depends on) and a state (the project's files as they are: tree_state.py).
Callers asking for the same key and state while a run is going share it: each gets its whole answer,
each gets the run's progress, and one cancelled leaves the run going for the others (it stops only
when no caller waits for it). A run that finished for a key is returned again, without running
cargo, to a caller whose state is the same, so a question asked again with nothing changed costs
nothing; any change to the files gives another state, hence a new run. The same shape as
rust-analyzer's flycheck joins in ra_mcp/workspace/flycheck.py, keyed by the files' state instead of a
generation.

A caller may give an answer deadline: if the run is still going then, the caller gets `StillRunning`
(how long it has run, its last progress) and the run goes on without it, so the client's own tool
timeout never cuts a long build; the next identical call joins it, or takes its result once it has
finished. A registry made with `hand_once` (builds and tests, whose repeat should run again) keeps
only the results of runs left going that way, and gives each to one caller; a cancelled caller
still stops a run nobody else waits for."""

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
    left_running: bool = False  # the run was left going by an earlier call at its answer deadline

    def note(self, what: str) -> str | None:
        """What the answer says about it, or None when this call ran it alone."""
        if self.left_running and self.reused_after is not None:
            return (
                f"the {what} an identical earlier call left running at its answer deadline finished "
                f"{self.reused_after:.0f} s ago: this is its result"
            )
        if self.left_running:
            return f"joined the {what} an identical earlier call left running at its answer deadline"
        if self.reused_after is not None:
            return (
                f"reused the {what} finished {self.reused_after:.0f} s ago with the same arguments on the "
                "same files (nothing changed since); its findings stand"
            )
        if self.joined:
            return f"shared an identical {what} another call had started (one run served both)"
        return None


@dataclass(frozen=True)
class StillRunning:
    """The answer at a caller's deadline: the run goes on in the background."""

    seconds: float  # how long the run has been going
    progress: str | None  # its last progress message, if any


@dataclass
class _Running(Generic[T]):
    task: asyncio.Task[T]
    waiters: int = 0
    reports: list[ProgressCallback] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    last_progress: str | None = None
    left: bool = False  # a caller left it going at its answer deadline

    async def report(self, progress: float, total: float | None, message: str) -> None:
        if message:
            self.last_progress = message
        for report in list(self.reports):
            with contextlib.suppress(Exception):  # one client gone does not stop the others' progress
                await report(progress, total, message)


@dataclass
class _Finished(Generic[T]):
    result: T
    at: float
    left: bool = False


class SharedRuns(Generic[T]):
    def __init__(self, kept: int = KEPT_FINISHED, hand_once: bool = False) -> None:
        self.kept = kept
        self.hand_once = hand_once  # keep only runs left going at a deadline, each for one caller
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
        answered = await self.run_or_leave(key, state, job, report, reusable, None)
        assert isinstance(answered, Shared)  # no deadline: always the run's result
        return answered

    async def run_or_leave(
        self,
        key: Hashable,
        state: Hashable,
        job: Callable[[ProgressCallback], Coroutine[Any, Any, T]],
        report: ProgressCallback | None,
        reusable: Callable[[T], bool],
        answer_by: float | None,
    ) -> Shared[T] | StillRunning:
        """As `run`; with `answer_by` (seconds), a run still going then is left going, and this
        caller gets StillRunning."""
        ident = (key, state)
        reused = self.finished(key, state)
        if reused is not None:
            return reused
        running = self._running.get(ident)
        joined = running is not None
        if running is None:
            running = self._start(ident, job, reusable)
        running.waiters += 1
        if report is not None:
            running.reports.append(report)
        try:
            done, _ = await asyncio.wait([running.task], timeout=answer_by)
            if not done:  # the deadline: this caller goes, the run goes on
                running.waiters -= 1
                running.left = True
                return StillRunning(time.monotonic() - running.started, running.last_progress)
            result = running.task.result()
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
        return Shared(result, joined=joined, left_running=joined and running.left)

    def finished(self, key: Hashable, state: Hashable) -> Shared[T] | None:
        """The result of a run that finished for `key` on `state`, if one is kept; nothing runs."""
        ident = (key, state)
        finished = self._finished.get(ident)
        if finished is None:
            return None
        if self.hand_once:
            del self._finished[ident]
        else:
            self._finished.move_to_end(ident)
        left, finished.left = finished.left, False  # handed over once; later it is a reuse
        return Shared(finished.result, reused_after=time.monotonic() - finished.at, left_running=left)

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
            if self.hand_once and not (running.left and running.waiters == 0):
                return  # every caller had its answer: a repeat runs again
            self._finished[ident] = _Finished(ended.result(), time.monotonic(), running.left)
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
