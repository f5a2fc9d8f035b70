"""The rust-analyzer pools of this process, shared between the servers (sessions) living in it.

Each server's runtime joins the pool of its key (pool_key.py): servers whose keys are equal share
rust-analyzers, any other gets its own. What stays each session's own is its service
(AnalyzerService): its roots confine every path before the pool is touched, its answers are shown
through its own read scope, and its client policy, confirmations, progress and cancellation travel
with its calls; a rust-analyzer started under another session's client policy answers a call only if
the caller's own policy would have let it start (WorkspacePool.admit).

When the last session of a pool leaves, the pool is closed (a stdio server that stops kills its
rust-analyzers), unless the engine called `keep_warm_after_sessions` at start: then its
rust-analyzers stay warm until idle for `idle_seconds`, so the next session answers at once. One
eviction task, owned by the registry, stops idle rust-analyzers for every pool, and an engine-wide
limit (a count and/or total resident memory) stops the least recently used idle one before another
starts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from rust_mcp.core.processes import processes_in_group, resident_mb

from .pool import WorkspacePool
from .pool_key import PoolKey
from .workspaces import Workspace


class PoolUser(Protocol):
    """What the registry needs of a session's service (ra_mcp.service.AnalyzerService)."""

    pool: WorkspacePool
    std_warning: str | None


S = TypeVar("S", bound=PoolUser)
logger = logging.getLogger(__name__)
StdWarning = Callable[[str | None], None]


@dataclass(eq=False)
class SharedPool:
    """One pool and the sessions using it."""

    key: PoolKey
    pool: WorkspacePool
    services: list[PoolUser] = field(default_factory=list)
    std_warning: str | None = None

    def record_std_warning(self, warning: str | None) -> None:
        self.std_warning = warning
        for service in self.services:
            service.std_warning = warning


@dataclass(frozen=True)
class WorkspaceRow:
    root: str
    toolchain: str | None
    pid: int | None
    rss_mb: float | None
    in_flight: int
    idle_seconds: float


@dataclass(frozen=True)
class PoolRow:
    key: str
    sessions: int
    workspaces: list[WorkspaceRow]


@dataclass(frozen=True)
class Candidate:
    """A running rust-analyzer as the engine-wide limit weighs it."""

    last_used: float
    in_flight: int
    rss_mb: float


def to_stop(candidates: list[Candidate], max_count: int | None, max_rss_mb: float | None) -> list[int]:
    """Which of `candidates` to stop (indices, least recently used first) so that one more fits under
    `max_count` and the rest stay under `max_rss_mb`. Busy ones are never chosen, so the limit can be
    exceeded while they finish."""
    idle = sorted((c.last_used, i) for i, c in enumerate(candidates) if c.in_flight == 0)
    count, rss = len(candidates), sum(c.rss_mb for c in candidates)
    chosen: list[int] = []
    for _, index in idle:
        over_count = max_count is not None and count + 1 > max_count
        over_rss = max_rss_mb is not None and rss > max_rss_mb
        if not (over_count or over_rss):
            break
        chosen.append(index)
        count, rss = count - 1, rss - candidates[index].rss_mb
    return chosen


def _rss_mb(workspace: Workspace) -> float:
    pid = workspace.client.pid
    return resident_mb(processes_in_group(pid)) if pid and workspace.client.alive else 0.0


class PoolRegistry:
    def __init__(self) -> None:
        self.entries: dict[PoolKey, SharedPool] = {}
        self.keep_warm = False
        self.idle_seconds: float | None = None  # None: each pool's own setting
        self.max_workspaces: int | None = None  # engine-wide, over every pool
        self.max_rss_mb: float | None = None
        self._evictor: asyncio.Task[None] | None = None

    def join(
        self,
        key: PoolKey,
        make_pool: Callable[[StdWarning], WorkspacePool],
        make_service: Callable[[WorkspacePool], S],
    ) -> S:
        """A new session's service on the pool of `key`, made (with `make_pool`, given the callback
        recording std-sources warnings) when no session holds it."""
        entry = self.entries.get(key)
        if entry is None:
            holder: list[SharedPool] = []
            pool = make_pool(lambda warning: holder[0].record_std_warning(warning) if holder else None)
            entry = SharedPool(key, pool)
            holder.append(entry)
            pool.shared_room = self.make_room
            self.entries[key] = entry
        service = make_service(entry.pool)
        if entry.std_warning is not None:
            service.std_warning = entry.std_warning
        entry.services.append(service)
        self._ensure_evictor()
        return service

    async def leave(self, service: PoolUser) -> None:
        """A session ended: its pool is closed when no other uses it, unless kept warm."""
        entry = next((e for e in self.entries.values() if e.pool is service.pool), None)
        if entry is None:
            await service.pool.close_all()  # not from the registry: the old behaviour
            return
        if service in entry.services:
            entry.services.remove(service)
        if entry.services or self.keep_warm:
            return
        self.entries.pop(entry.key, None)
        await entry.pool.close_all()
        if not self.entries:
            self._stop_evictor()

    async def make_room(self) -> None:
        """Stop the least recently used idle rust-analyzers until one more fits the engine-wide limit."""
        if self.max_workspaces is None and self.max_rss_mb is None:
            return
        running = [(e, w) for e in self.entries.values() for w in e.pool.workspaces.values()]
        weigh = self.max_rss_mb is not None
        candidates = [Candidate(w.last_used, w.in_flight, _rss_mb(w) if weigh else 0.0) for _, w in running]
        for index in to_stop(candidates, self.max_workspaces, self.max_rss_mb):
            entry, workspace = running[index]
            await entry.pool.close(workspace.key)

    async def evict_idle(self, now: float) -> None:
        """Stop rust-analyzers idle past their limit; forget kept-warm pools left empty."""
        for entry in list(self.entries.values()):
            limit = self.idle_seconds if self.idle_seconds is not None else entry.pool.settings.idle_seconds
            for workspace in list(entry.pool.workspaces.values()):
                if workspace.in_flight == 0 and now - workspace.last_used > limit:
                    await entry.pool.close(workspace.key)
            if not entry.services and not entry.pool.workspaces:
                self.entries.pop(entry.key, None)

    def _interval(self) -> float:
        limits = [self.idle_seconds or e.pool.settings.idle_seconds for e in self.entries.values()]
        return max(1.0, min(60.0, min(limits, default=60.0) / 3))

    async def _evict_forever(self) -> None:
        while self.entries:
            await asyncio.sleep(self._interval())
            try:
                await self.evict_idle(time.monotonic())
            except Exception:  # one failed stop must not end eviction for every pool
                logger.exception("stopping an idle rust-analyzer failed")

    def _ensure_evictor(self) -> None:
        loop = asyncio.get_running_loop()
        task = self._evictor
        if task is not None and not task.done() and task.get_loop() is loop:
            return
        self._evictor = loop.create_task(self._evict_forever(), name="rust-analyzer idle eviction")

    def _stop_evictor(self) -> None:
        if self._evictor is not None and not self._evictor.done():
            with contextlib.suppress(RuntimeError):  # its loop has closed
                self._evictor.cancel()
        self._evictor = None

    async def close_all(self) -> None:
        """Stop every rust-analyzer of every pool (the engine's shutdown)."""
        entries, self.entries = list(self.entries.values()), {}
        for entry in entries:
            await entry.pool.close_all()
        self._stop_evictor()

    def status(self) -> list[PoolRow]:
        now = time.monotonic()
        return [
            PoolRow(
                key=entry.key.describe(),
                sessions=len(entry.services),
                workspaces=[
                    WorkspaceRow(
                        root=str(w.root),
                        toolchain=w.toolchain,
                        pid=w.client.pid if w.client.alive else None,
                        rss_mb=round(_rss_mb(w), 1) if w.client.alive else None,
                        in_flight=w.in_flight,
                        idle_seconds=round(now - w.last_used, 1),
                    )
                    for w in entry.pool.workspaces.values()
                ],
            )
            for entry in self.entries.values()
        ]


REGISTRY = PoolRegistry()


def keep_warm_after_sessions(
    idle_seconds: float | None = 1800.0, max_workspaces: int | None = None, max_rss_mb: float | None = None
) -> None:
    """The engine's switch, called once at start: pools outlive their sessions until idle for
    `idle_seconds` (None: each pool's --idle setting), and at most `max_workspaces` rust-analyzers
    (or `max_rss_mb` of them together) run in the process, the least recently used stopped first."""
    REGISTRY.keep_warm = True
    REGISTRY.idle_seconds = idle_seconds
    REGISTRY.max_workspaces = max_workspaces
    REGISTRY.max_rss_mb = max_rss_mb


def status() -> list[PoolRow]:
    """Every pool: what it serves, how many sessions use it, its rust-analyzers (pid, RSS, idle)."""
    return REGISTRY.status()


def status_text() -> str:
    """The status as lines for `rust-mcp-engine status`."""
    lines: list[str] = []
    for row in REGISTRY.status():
        lines.append(f"pool: {row.key}; sessions: {row.sessions}")
        for w in row.workspaces:
            toolchain = f" ({w.toolchain})" if w.toolchain else ""
            memory = f"{w.rss_mb} MB" if w.rss_mb is not None else "stopped"
            lines.append(
                f"  {w.root}{toolchain}: rust-analyzer pid {w.pid}, {memory}, "
                f"{w.in_flight} calls, idle {w.idle_seconds} s"
            )
    return "\n".join(lines) or "no rust-analyzer pools"


async def close_all() -> None:
    """Stop every rust-analyzer this process runs (the engine's shutdown, or a test's end)."""
    await REGISTRY.close_all()
