"""Fast tier: every progress notification of a call passes one gate (rust_mcp/mcp/progress.py): at
most one a second, values that only increase, short messages, and a client that cannot take progress
does not break the call."""

from __future__ import annotations

import itertools

import pytest

from rust_mcp.core.budgets import PROGRESS_INTERVAL, PROGRESS_MESSAGE
from rust_mcp.mcp.progress import CallProgress

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[float, float | None, str]] = []

    async def __call__(self, progress: float, total: float | None, message: str) -> None:
        self.sent.append((progress, total, message))


async def test_at_most_one_notification_per_interval() -> None:
    clock, client = Clock(), Recorder()
    progress = CallProgress(client, clock)
    # rust-analyzer's status changes many times a second while it indexes: 50 updates in 5 s
    for step in range(50):
        await progress(float(step), 50.0, f"rust-analyzer: Indexing {step * 2}%")
        clock.now += 0.1
    assert 4 <= len(client.sent) <= 5 * (1 / PROGRESS_INTERVAL)
    assert progress.sent == len(client.sent) and progress.dropped == 50 - len(client.sent)
    times = [100.0 + 0.1 * step for step in range(50)]
    sent_at = [times[int(value)] for value, _, _ in client.sent]
    assert all(later - earlier >= PROGRESS_INTERVAL - 1e-9 for earlier, later in itertools.pairwise(sent_at))
    assert client.sent[0] == (0.0, 50.0, "rust-analyzer: Indexing 0%")  # the first goes at once


async def test_values_only_increase_across_runs() -> None:
    clock, client = Clock(), Recorder()
    progress = CallProgress(client, clock)
    # a verified dependency change runs cargo twice; the second run counts its units from zero again
    for value, total in [(10.0, 40.0), (40.0, 40.0), (3.0, 12.0), (12.0, 12.0), (50.0, 12.0)]:
        await progress(value, total, "Compiling")
        clock.now += PROGRESS_INTERVAL
    values = [value for value, _, _ in client.sent]
    assert values == sorted(values) and len(set(values)) == len(values)
    assert values[:2] == [10.0, 40.0] and values[2] > 40.0 and values[4] == 50.0
    # a total the value no longer fits is dropped rather than sent wrong
    assert [total for _, total, _ in client.sent] == [40.0, 40.0, None, None, None]


async def test_messages_are_cut_to_the_budget() -> None:
    client = Recorder()
    await CallProgress(client, Clock())(1.0, None, "x" * (PROGRESS_MESSAGE * 3))
    assert len(client.sent[0][2]) == PROGRESS_MESSAGE


async def test_a_client_that_cannot_take_progress_does_not_break_the_call() -> None:
    clock, calls = Clock(), []

    async def gone(progress: float, total: float | None, message: str) -> None:
        calls.append(progress)
        raise ConnectionResetError("client went away")

    progress = CallProgress(gone, clock)
    for step in range(3):
        await progress(float(step), None, "Compiling")
        clock.now += PROGRESS_INTERVAL
    assert calls == [0.0]  # tried once, then left alone
