"""rust-analyzer's first cargo check, put after its first analysis. Once it has loaded a workspace
and its build data, rust-analyzer starts cargo check (flycheck) at once, while it still does the
first analysis every answer waits for and primes its caches: on two cores the check's rustc
processes took half the CPU of that analysis (issue 23, "The very first session too"). So a check
that begins before rust-analyzer was first quiescent, with no call waiting for its results, is
cancelled, and run again for the whole workspace once rust-analyzer is quiescent (unless another
check has begun since). Answers are not touched: they still wait for the build data
(AnalyzerState.ready_in). A call that waits for a check (diagnostics) starts its own, which is
never cancelled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .analyzer_state import AnalyzerState

RUN_METHOD = "rust-analyzer/runFlycheck"


@dataclass
class StartupCheck:
    """Fed rust-analyzer's flycheck begins and its status by the LSP client's handlers."""

    state: AnalyzerState
    cancel: Callable[[], None]  # tells rust-analyzer to cancel its running check
    rerun: Callable[[], None]  # tells rust-analyzer to check the whole workspace
    deferring: bool = True  # until rust-analyzer is first quiescent
    cancelled_at: int | None = None  # state.flycheck_begun when the deferred check was cancelled
    reruns: int = 0

    def flycheck_begun(self) -> None:
        """A check began (state.flycheck_begun counts it already)."""
        if self.deferring and self.state.flycheck_waiting == 0:
            self.cancel()
            self.cancelled_at = self.state.flycheck_begun
            self.state.messages.append(
                "cargo check put off until rust-analyzer's first analysis is done (no call waits for it)"
            )

    def status(self, quiescent: bool) -> None:
        """rust-analyzer's status: at its first quiescence, the put-off check runs."""
        if not (quiescent and self.deferring):
            return
        self.deferring = False
        if self.cancelled_at is not None and self.state.flycheck_begun == self.cancelled_at:
            self.rerun()
            self.reruns += 1
