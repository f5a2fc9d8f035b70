"""rust-analyzer's first cargo check is put off until its first quiescence (ra_mcp/startup_check.py),
fed the progress and status notifications rust-analyzer sends, in its order."""

from __future__ import annotations

from ra_mcp.analyzer_state import AnalyzerState
from ra_mcp.startup_check import StartupCheck

TOKEN = "rust-analyzer/flycheck/0"


class Sent:
    """What the startup check told rust-analyzer, in order."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def check(self, state: AnalyzerState) -> StartupCheck:
        return StartupCheck(
            state, cancel=lambda: self.calls.append("cancel"), rerun=lambda: self.calls.append("rerun")
        )


def begin(state: AnalyzerState, check: StartupCheck) -> None:
    state.progress_event(TOKEN, {"kind": "begin", "title": "cargo check"})
    check.flycheck_begun()


def end(state: AnalyzerState) -> None:
    state.progress_event(TOKEN, {"kind": "end"})


def test_the_check_at_load_is_cancelled_and_run_again_once_quiescent() -> None:
    state, sent = AnalyzerState(), Sent()
    check = sent.check(state)
    begin(state, check)
    end(state)  # the cancelled check ends like a finished one
    check.status(quiescent=False)
    assert sent.calls == ["cancel"]
    check.status(quiescent=True)
    assert sent.calls == ["cancel", "rerun"]
    begin(state, check)  # the check run again is not cancelled, nor any after it
    check.status(quiescent=True)
    assert sent.calls == ["cancel", "rerun"]
    assert check.reruns == 1 and not check.deferring


def test_a_check_a_call_waits_for_is_never_cancelled() -> None:
    state, sent = AnalyzerState(), Sent()
    check = sent.check(state)
    state.flycheck_waiting = 1  # a diagnostics call started it and waits
    begin(state, check)
    check.status(quiescent=True)
    assert sent.calls == []


def test_no_rerun_when_another_check_began_after_the_cancelled_one() -> None:
    state, sent = AnalyzerState(), Sent()
    check = sent.check(state)
    begin(state, check)
    end(state)
    state.flycheck_waiting = 1  # then a call started its own check
    begin(state, check)
    state.flycheck_waiting = 0
    check.status(quiescent=True)
    assert sent.calls == ["cancel"]


def test_nothing_is_put_off_once_rust_analyzer_was_quiescent() -> None:
    state, sent = AnalyzerState(), Sent()
    check = sent.check(state)
    check.status(quiescent=True)  # a warm restart: quiescent before any check began
    begin(state, check)
    check.status(quiescent=False)
    begin(state, check)
    assert sent.calls == []
