"""Progress for long cargo runs: notifications at a steady pace with a heartbeat (the MCP layer's
CallProgress keeps them at most one a second and increasing across the several runs of one call)."""

from __future__ import annotations

import time

import anyio

from cargo_mcp.parse.collector import ProgressState
from rust_mcp.core.budgets import PROGRESS_INTERVAL, ProgressCallback

PROGRESS_POLL = 0.1
HEARTBEAT_INTERVAL = 10.0


async def notify_progress(state: ProgressState, report: ProgressCallback) -> None:
    """Send the first change at once, later changes at most every PROGRESS_INTERVAL, and a heartbeat
    every HEARTBEAT_INTERVAL of silence, so clients that reset their timeout on progress keep a long
    build alive. Progress values only ever increase."""
    sent_version = 0
    sent_value = -1.0
    last_sent = float("-inf")
    while True:
        await anyio.sleep(PROGRESS_POLL)
        now = time.monotonic()
        changed = state.version != sent_version
        due = now - last_sent >= PROGRESS_INTERVAL if changed else now - last_sent >= HEARTBEAT_INTERVAL
        if not due or (not changed and now - state.started < HEARTBEAT_INTERVAL):
            continue
        value = (
            float(state.done) if state.done is not None and state.done > sent_value else sent_value + 0.001
        )
        value = max(value, 0.0)
        total = float(state.total) if state.total and value <= state.total else None
        elapsed = int(now - state.started)
        message = state.message if changed else f"{state.message} (still running, {elapsed} s)"
        try:
            await report(value, total, message)
        except Exception:  # a client that cannot take progress must not break the run
            return
        sent_version, sent_value, last_sent = state.version, value, now
