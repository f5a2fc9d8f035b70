"""When a workspace's rust-analyzer is ready to answer right: quiescent, or its build data applied
(AnalyzerState.ready_in); a call waits for it within a bound, reporting what rust-analyzer does, and
past the bound answers that it is still indexing (StillIndexing), with how long it has indexed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from rust_mcp.core.budgets import ProgressCallback

from .. import call_deadline
from ..lsp.errors import AnalyzerCrashed

if TYPE_CHECKING:
    from ..lsp.client import AnalyzerClient


class StillIndexing(RuntimeError):
    """rust-analyzer did not become ready within the bound; the message says how far it got."""


async def wait_ready(
    client: AnalyzerClient, root: Path, bound: float, report: ProgressCallback | None = None
) -> None:
    """Return once `client`'s rust-analyzer (of the workspace at `root`) answers right; raise
    StillIndexing after `bound` seconds, AnalyzerCrashed if it exits."""
    state = client.state
    deadline = time.monotonic() + bound
    sent = 0.0
    last_text = ""
    while True:
        if not client.alive:
            raise AnalyzerCrashed(f"rust-analyzer exited with code {client.exit_code}")
        now = time.monotonic()
        settling = state.ready_in(now)
        if settling == 0.0:
            return
        remaining = deadline - now
        if remaining <= 0:
            began = now - client.started_at
            raise StillIndexing(
                f"rust-analyzer is still indexing {root} after {began:.0f} s ({state.busy_summary()})"
                f"{call_deadline.asked_wait_note(bound)}; its work goes on meanwhile: call again, or "
                "call rust_analyzer_status to watch it"
            )
        state.changed.clear()
        with anyio.move_on_after(min(remaining, 1.0, 1.0 if settling is None else settling)):
            await state.changed.wait()
        text = state.busy_summary()
        if report is not None and text != last_text:
            sent += 1
            await report(sent, None, f"rust-analyzer: {text}")
            last_text = text
