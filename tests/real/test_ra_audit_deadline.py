"""The unsafe audit's clippy run answers by the call's answer deadline, as cargo's shared runs do: a run
still going then is left going, the answer says so and to call again, and a later call joins the run
or takes its result. The audit used to lift the deadline for clippy and wait for the whole run (up to
600 s), far past the client's tool timeout. A 2.5 s deadline (cut at 1.25 s, nothing left for clippy)
makes the first clippy answer "still running" every time."""

from __future__ import annotations

import time
from pathlib import Path

import anyio
import pytest
from mcp import Client

from tests.real.test_ra_tools import call, ra_structured
from tests.support import copy_fixture, require_bubblewrap, require_rust_analyzer, server_params, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]
DEADLINE = 2.5
SLACK = 2.5  # seconds past the deadline a slow machine may take to carry the answer back
AUDIT = "rust_analyzer_unsafe_audit"


async def test_the_audit_leaves_clippy_running_at_the_deadline_and_a_later_call_joins(scratch: Path) -> None:
    require_rust_analyzer()
    require_bubblewrap()
    root = scratch / "ra-audit-deadline"
    project = copy_fixture("unsafe_audit", root)
    params = server_params("rust-analyzer-mcp", "--root", str(root), "--answer-deadline", str(DEADLINE))
    seen: list[tuple[float, str]] = []
    async with Client(params, mode="legacy", read_timeout_seconds=600) as ra:
        await call(ra, "rust_analyzer_status", {})  # the server's own start is not timed
        left_running = False
        with anyio.fail_after(300):  # bounded: rust-analyzer's load, then clippy's run
            while True:
                started = time.monotonic()
                result = await ra.call_tool(AUDIT, {"workspace": str(project)})
                elapsed = time.monotonic() - started
                text = text_of(result)
                seen.append((round(elapsed, 1), text[:300]))
                assert elapsed < DEADLINE + SLACK, seen
                if not result.is_error:
                    break
                if "clippy's unsafe lints still running" in text:
                    left_running = True
                    assert f"call {AUDIT} again with the same arguments" in text, text
                else:  # rust-analyzer still loading, or its semantic tokens past the cut
                    assert "still indexing" in text or text.startswith("still working"), seen
                await anyio.sleep(0.5)
    assert left_running, seen  # the first clippy answer came at the deadline, clippy still running
    audit = ra_structured(AUDIT, result)
    assert audit["clippy_ran"] is True and audit["totals"]["findings"] == 7, audit  # the run's findings
    print("answers (seconds, text):", *seen, sep="\n  ")
