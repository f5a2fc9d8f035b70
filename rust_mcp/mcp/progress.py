"""The one gate every progress notification of a call passes, in both servers: at most one per
PROGRESS_INTERVAL (the first at once), values that only increase (MCP requires it; a call that runs
cargo several times restarts each run's count), messages within PROGRESS_MESSAGE characters. A client
that cannot take progress never breaks the call."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver import Context

from rust_mcp.core.budgets import PROGRESS_INTERVAL, PROGRESS_MESSAGE, ProgressCallback

STEP = 0.001  # what a value that did not increase is raised by


class CallProgress:
    """A call's progress callback. Updates that come sooner than PROGRESS_INTERVAL after the last one
    sent are dropped: the next one after the interval carries the news."""

    def __init__(self, send: ProgressCallback, clock: Callable[[], float] = time.monotonic) -> None:
        self._send = send
        self._clock = clock
        self._last_value = float("-inf")
        self._last_sent = float("-inf")
        self._broken = False
        self.sent = 0
        self.dropped = 0

    async def __call__(self, progress: float, total: float | None, message: str) -> None:
        now = self._clock()
        if self._broken or now - self._last_sent < PROGRESS_INTERVAL:
            self.dropped += 1
            return
        if progress <= self._last_value:
            progress, total = self._last_value + STEP, None
        if total is not None and progress > total:
            total = None
        try:
            await self._send(progress, total, message[:PROGRESS_MESSAGE])
        except Exception:  # the client went away or takes no progress: the work goes on without it
            self._broken = True
            return
        self._last_value, self._last_sent = progress, now
        self.sent += 1


def call_progress(ctx: Context[Any, Any]) -> CallProgress:
    """The progress callback of the call `ctx` belongs to."""
    return CallProgress(ctx.report_progress)
