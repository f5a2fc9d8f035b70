"""Fast tier: wait=true (diagnostics) asks the call to wait for its answer past the answer deadline.
It lifted the cut, but readiness still ended at --ready-timeout (the answer deadline less 5 s by
default), so a wait=true call on a workspace still indexing answered "still indexing" after 45 s without
saying that it had not waited as asked. Now readiness waits up to the call's check_timeout_secs (or
--ready-timeout when longer), and the answer says what it waited. rust-analyzer is a stand-in here (no
processes): it never becomes ready."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pytest

from ra_mcp import call_deadline
from ra_mcp.call_deadline import CUT_MARGIN, SOFT_MARGIN
from ra_mcp.lsp.client import AnalyzerClient
from ra_mcp.tools.mcp_adapter import answer_by
from ra_mcp.workspace.readiness import StillIndexing
from tests.fast.test_cancelled_sync import Told, workspace

pytestmark = pytest.mark.anyio


@dataclass
class Indexing(Told):
    """rust-analyzer loading a workspace that it never finishes during the test."""

    started_at: float = field(default_factory=time.monotonic)


async def test_wait_true_bounds_readiness_by_its_check_timeout_not_the_ready_timeout() -> None:
    async def bounds() -> tuple[float, float]:
        return call_deadline.ready_bound(45.0), call_deadline.ready_bound(600.0)

    with call_deadline.asked_to_wait(300.0):  # wait=true, check_timeout_secs=300
        assert await answer_by(None, bounds) == (300.0, 600.0)  # the longer of the two
    within, _ = await answer_by(10.0, bounds)  # without wait=true: what is left of the deadline
    assert within <= 10.0 - CUT_MARGIN - SOFT_MARGIN
    assert call_deadline.ready_bound(45.0) == 45.0  # outside a call


async def test_a_wait_true_call_still_indexing_says_what_it_waited(tmp_path: Path) -> None:
    made, told = workspace(tmp_path)
    loading = Indexing(told.command)
    loading.state.quiescent = False
    made.client = cast(AnalyzerClient, loading)

    async def ready() -> None:
        await made.wait_ready(call_deadline.ready_bound(0.1))  # --ready-timeout 0.1 s

    started = time.monotonic()
    with pytest.raises(StillIndexing) as still, call_deadline.asked_to_wait(1.0):  # check_timeout_secs=1
        await answer_by(None, ready)
    assert 0.9 <= time.monotonic() - started < 5.0
    assert "wait=true waited 1 s for it (check_timeout_secs" in str(still.value)
    with pytest.raises(StillIndexing) as plain:
        await answer_by(None, ready)  # no deadline, no wait=true: --ready-timeout, said as before
    assert "wait=true" not in str(plain.value) and "still indexing" in str(plain.value)
