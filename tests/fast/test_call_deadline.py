"""One deadline per call (ra_mcp/call_deadline.py): what is left of it, the cut that answers a call
still waiting when its waits chain past it (each within its own bound), naming the wait, and a
client's cancellation that goes through at once."""

from __future__ import annotations

import time

import anyio
import anyio.lowlevel
import pytest

from ra_mcp import call_deadline
from ra_mcp.call_deadline import CUT_MARGIN, SOFT_MARGIN, CallDeadline, StillWorking
from ra_mcp.lsp.state import AnalyzerState
from ra_mcp.tools.mcp_adapter import answer_by
from ra_mcp.tools.parameters import CHECK_TIMEOUT, Checking, waits_past_deadline
from ra_mcp.workspace.reload_wait import await_reload, expect_reload


def test_what_is_left_counts_from_the_start_less_the_margins() -> None:
    deadline = CallDeadline(10.0, started=100.0, cut_at=100.0 + 10.0 - CUT_MARGIN)
    assert deadline.left(now=101.0) == pytest.approx(10.0 - CUT_MARGIN - SOFT_MARGIN - 1.0)
    assert deadline.left(now=500.0) == 0.0  # never below zero


@pytest.mark.anyio
async def test_the_cut_comes_a_margin_before_the_deadline_or_half_way_to_a_short_one() -> None:
    async def cut_after() -> float:
        deadline = call_deadline.CURRENT.get()
        assert deadline is not None
        return deadline.cut_at - deadline.started

    assert await answer_by(10.0, cut_after) == 10.0 - CUT_MARGIN
    assert await answer_by(1.5, cut_after) == 0.75  # a deadline under 2 margins: cut half-way


def test_still_working_names_the_wait_and_what_rust_analyzer_does() -> None:
    deadline = CallDeadline(12.0, 100.0, 111.0, waiting_for="rust-analyzer's answer to textDocument/hover")
    deadline.doing = lambda: "Indexing 85%"
    text = deadline.still_working(now=111.0)
    assert text.startswith("still working after 11 s, at the answer deadline (12 s)")
    assert "waiting for rust-analyzer's answer to textDocument/hover; rust-analyzer: Indexing 85%" in text
    assert "call again with the same arguments" in text


@pytest.mark.anyio
async def test_a_wait_answering_in_its_own_words_takes_only_what_is_left() -> None:
    assert call_deadline.bounded(45.0) == 45.0  # outside a call: its own bound

    async def body() -> tuple[float, float, float]:
        inside = call_deadline.bounded(45.0), call_deadline.bounded(0.5)
        call_deadline.lift()
        return (*inside, call_deadline.bounded(45.0))

    left, short, lifted = await answer_by(10.0, body)
    assert 10.0 - CUT_MARGIN - SOFT_MARGIN - 0.5 < left <= 10.0 - CUT_MARGIN - SOFT_MARGIN
    assert short == 0.5 and lifted == 45.0


@pytest.mark.anyio
async def test_waits_each_within_their_bound_are_cut_together_at_the_deadline() -> None:
    """A reload wait (its own bound: 0.4 s, rust-analyzer never leaving quiescence) and then a wait
    for an answer: 0.4 s + 5 s is past a 2.2 s deadline. The call answers at 1.2 s, naming the second."""
    state = AnalyzerState(quiescent=True)

    async def body() -> str:
        with call_deadline.waiting("rust-analyzer to begin reloading after Cargo.toml changed"):
            await await_reload(expect_reload(state, "Cargo.toml", 0.4))
        with call_deadline.waiting("rust-analyzer's answer to textDocument/hover"):
            await anyio.sleep(5.0)
        return "answered"

    started = time.monotonic()
    with pytest.raises(StillWorking) as cut:
        await answer_by(2.2, body)
    elapsed = time.monotonic() - started
    assert 2.2 - CUT_MARGIN - 0.05 <= elapsed < 2.2 - CUT_MARGIN + 0.5, elapsed
    assert "waiting for rust-analyzer's answer to textDocument/hover" in str(cut.value)
    assert call_deadline.CURRENT.get() is None  # the deadline ends with its call


@pytest.mark.anyio
async def test_a_wait_that_ends_gives_back_the_name_of_the_one_around_it() -> None:
    async def body() -> str:
        with call_deadline.waiting("outer"):
            with call_deadline.waiting("inner"):
                await anyio.lowlevel.checkpoint()
            deadline = call_deadline.CURRENT.get()
            assert deadline is not None
            return deadline.waiting_for

    assert await answer_by(5.0, body) == "outer"


@pytest.mark.anyio
async def test_no_deadline_or_a_lifted_one_is_never_cut() -> None:
    async def lifted() -> str:
        call_deadline.lift()  # a user's confirmation, or wait=true
        await anyio.sleep(0.5)
        return "answered"

    assert await answer_by(1.2, lifted) == "answered"  # cut at 0.6 s, but lifted

    async def slow() -> str:
        await anyio.sleep(0.1)
        return "answered"

    assert await answer_by(0.0, slow) == "answered"  # --answer-deadline 0: no deadline
    assert await answer_by(None, slow) == "answered"


@pytest.mark.anyio
async def test_a_cancelled_call_stops_waiting_at_once() -> None:
    """The client's notifications/cancelled cancels the handler's scope: the call's waits end then,
    not at its deadline, and the cancellation is not taken for the cut."""
    state = AnalyzerState(quiescent=True)
    outcome: list[str] = []

    async def body() -> None:
        with call_deadline.waiting("rust-analyzer to begin reloading after Cargo.toml changed"):
            await await_reload(expect_reload(state, "Cargo.toml", 20.0))
        outcome.append("waited out")

    started = time.monotonic()
    with anyio.CancelScope() as client:
        async with anyio.create_task_group() as group:

            async def cancel_soon() -> None:
                await anyio.sleep(0.2)
                client.cancel()

            group.start_soon(cancel_soon)
            await answer_by(30.0, body)
    assert client.cancelled_caught and outcome == []
    assert time.monotonic() - started < 1.0


def test_wait_true_waits_past_the_deadline_up_to_its_check_timeout() -> None:
    assert waits_past_deadline({"file_path": "src/lib.rs", "checking": Checking(wait=True)}) == CHECK_TIMEOUT
    assert waits_past_deadline({"checking": Checking(wait=True, check_timeout_secs=900)}) == 900.0
    assert waits_past_deadline({"file_path": "src/lib.rs", "checking": Checking()}) is None
    assert not waits_past_deadline({"symbol": "wait"})
