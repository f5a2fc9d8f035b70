"""One job run for concurrent callers so that each is served by a run that started after it arrived
(the re-sync before a call is one)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


class FreshRuns:
    """Runs a job for concurrent callers so that each is served by a run that started after it
    arrived: callers arriving during a run wait for it and share the one after it."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.started = 0
        self.finished = 0  # the number of the last run that completed

    async def run(self, job: Callable[[], Awaitable[T]]) -> T | None:
        """The job's result, or None when another caller's run, started after this one arrived,
        has completed in the meantime."""
        arrived = self.started
        async with self.lock:
            if self.finished > arrived:
                return None
            self.started += 1
            number = self.started
            result = await job()
            self.finished = number
            return result
