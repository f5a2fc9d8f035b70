"""A cargo check that never ends. rust-analyzer runs cargo check (flycheck) when it loads a workspace
and when asked; project code in it (a proc macro spinning on one input, a build script) can keep it
running, and a core busy, for ever. Past the limit, with no call waiting for its results, it is
cancelled (rust-analyzer kills the check's process group)."""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio

from .state import AnalyzerState

CANCEL_METHOD = "rust-analyzer/cancelFlycheck"
CHECK_EVERY = 1.0  # while a check runs
IDLE_RECHECK = 60.0  # seconds the bound sleeps with no check running before it looks at alive() again


def overdue(state: AnalyzerState, limit: float, now: float) -> bool:
    """A check is running, has been for over `limit` seconds, and no call waits for it."""
    running = state.flycheck_begun > state.flycheck_ended
    return running and state.flycheck_waiting == 0 and now - state.flycheck_moved > limit


async def bound_flycheck(
    state: AnalyzerState, limit: float, alive: Callable[[], bool], cancel: Callable[[], None]
) -> None:
    while alive():
        if state.flycheck_begun <= state.flycheck_ended:  # none running: sleep until one begins
            state.flycheck_began.clear()
            with anyio.move_on_after(IDLE_RECHECK):  # and look at alive() now and then
                await state.flycheck_began.wait()
            continue
        await anyio.sleep(CHECK_EVERY)
        if overdue(state, limit, time.monotonic()):
            cancel()
            state.flycheck_cancelled += 1
            state.flycheck_moved = time.monotonic()  # not again before its end or another limit
            state.messages.append(
                f"cargo check ran over {limit:.0f} s with no call waiting for it: cancelled"
            )
            state.touch()
