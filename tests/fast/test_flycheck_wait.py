"""When a diagnostics call has its cargo check: the rule run_flycheck waits by, driven through the
state's own progress handler with the sequences rust-analyzer sends. The one that dropped an error
on ripgrep: rust-analyzer restarted the check on its own while ours ran, so a cancelled check ended
(begun == ended) and the next one began 50 ms later, after clearing results package by package.
The real-process version of the same race is in test_ra_check_failures.py."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from ra_mcp.lsp.lazy_types import lsp
from ra_mcp.lsp.state import AnalyzerState
from ra_mcp.workspace import flycheck
from ra_mcp.workspace.flycheck import SETTLE_SECONDS, CheckRun, check_current_state, run_flycheck
from ra_mcp.workspace.workspaces import Workspace

pytestmark = pytest.mark.anyio

TOKEN = "rust-analyzer/flycheck/0"
URI = "file:///w/src/lib.rs"


@dataclass
class Step:
    after: float  # seconds after the previous step
    kind: str  # begin | end | publish | clear | status
    text: str = ""
    held: bool = False  # made in the same turn of its main loop as the step before, sent `after` later


@dataclass
class ScriptedAnalyzer:
    """Plays rust-analyzer's notifications after runFlycheck, through AnalyzerState's handlers."""

    steps: list[Step]
    state: AnalyzerState = field(default_factory=AnalyzerState)
    stderr: deque[str] = field(default_factory=deque)
    requested: list[str] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    holding: int = 0  # held steps made but not sent yet
    asked: list[str] = field(default_factory=list)  # its requests (runFlycheck is a notification)

    async def request(self, method: str, params: Any, timeout: float = 30.0, **_: Any) -> Any:
        """Answered after every message made before it: the held ones are sent first."""
        self.asked.append(method)
        while self.holding:
            await asyncio.sleep(0.01)
        return ""

    def notify(self, method: str, params: Any) -> None:
        self.requested.append(method)
        self.tasks.append(asyncio.get_running_loop().create_task(self.play()))

    async def play_soon(self) -> None:
        """Play the steps unasked (rust-analyzer's own restart of its check)."""
        self.tasks.append(asyncio.get_running_loop().create_task(self.play()))
        await asyncio.sleep(0)

    async def play(self) -> None:
        for step in self.steps:
            self.holding += step.held
            await asyncio.sleep(step.after)
            self.holding -= step.held
            if step.kind in ("begin", "end"):
                self.state.progress_event(TOKEN, {"kind": step.kind, "title": "cargo check"})
            elif step.kind == "publish":
                self.state.publish_event(URI, [self.diagnostic(text) for text in step.text.split("; ")])
            elif step.kind == "clear":  # a restart clears what the last check found, file by file
                self.state.publish_event(URI, [])
            else:
                self.state.status_message = step.text
                self.state.touch()

    @staticmethod
    def diagnostic(text: str) -> lsp.Diagnostic:
        return lsp.Diagnostic(
            range=lsp.Range(start=lsp.Position(line=1, character=0), end=lsp.Position(line=1, character=1)),
            message=text,
            severity=lsp.DiagnosticSeverity.Error,
            source="rustc",
        )


async def wait(steps: list[Step]) -> tuple[CheckRun, float, ScriptedAnalyzer, list[str]]:
    """run_flycheck against the script: its outcome, how long it took, the analyzer, and the
    messages of what had been published when it returned."""
    analyzer = ScriptedAnalyzer(steps)
    analyzer.state.health = "ok"
    workspace = cast(Workspace, type("W", (), {"client": analyzer})())
    started = time.monotonic()
    outcome = await run_flycheck(workspace, None, timeout=30, report=None)
    elapsed = time.monotonic() - started
    seen = [d.message for d in analyzer.state.pushed.get(URI, [])]
    for task in analyzer.tasks:
        await task
    return outcome, elapsed, analyzer, seen


async def test_a_check_that_rust_analyzer_restarts_is_waited_for_to_its_end() -> None:
    outcome, elapsed, analyzer, seen = await wait(
        [
            Step(0.05, "begin"),
            Step(0.2, "end"),  # cancelled by rust-analyzer's own restart
            Step(0.06, "begin"),  # after its 50 ms debounce
            Step(0.9, "publish", "E0554 in the last package"),
            Step(0.1, "end"),
        ]
    )
    assert outcome == CheckRun(True)
    assert analyzer.requested == ["rust-analyzer/runFlycheck"]
    assert analyzer.state.flycheck_begun == analyzer.state.flycheck_ended == 2
    assert elapsed >= 1.31 + SETTLE_SECONDS - 0.05, elapsed
    assert seen == ["E0554 in the last package"]


async def test_what_is_published_after_the_end_of_a_check_is_waited_for() -> None:
    """rust-analyzer publishes a check's findings file by file, still a second after its end."""
    steps = [Step(0.05, "begin"), Step(0.1, "end")]
    steps += [Step(0.1, "publish", f"finding {n}") for n in range(8)]
    outcome, elapsed, _, seen = await wait(steps)
    assert outcome == CheckRun(True)
    assert seen == ["finding 7"]
    assert elapsed >= 0.95 + SETTLE_SECONDS - 0.05, elapsed


async def test_a_plain_check_returns_one_quiet_window_after_its_end() -> None:
    outcome, elapsed, _, _ = await wait([Step(0.05, "begin"), Step(0.1, "end")])
    assert outcome == CheckRun(True)
    assert 0.15 + SETTLE_SECONDS - 0.05 <= elapsed < 0.15 + SETTLE_SECONDS + 1.0, elapsed


async def test_a_check_that_failed_says_why_from_the_status_that_follows_its_end() -> None:
    reason = "cargo check failed to start: error: rustc 1.95.0 is not supported by the following package"
    outcome, _, _, _ = await wait([Step(0.05, "begin"), Step(0.1, "end"), Step(0.05, "status", reason)])
    assert outcome == CheckRun(False, reason)


def scripted_workspace(analyzer: ScriptedAnalyzer, generation: int) -> Workspace:
    fields = {"client": analyzer, "generation": generation}
    fields |= {"check_started": None, "check_finished": None}
    return cast(Workspace, type("W", (), fields)())


async def test_a_check_past_the_deadline_is_left_running_and_the_next_call_joins_it() -> None:
    """The first call answers at its bound with the check still running; a second call for the same
    files joins that check (no second runFlycheck, which would start it over) and sees its end."""
    analyzer = ScriptedAnalyzer([Step(0.05, "begin"), Step(1.5, "publish", "late error"), Step(0.1, "end")])
    analyzer.state.health = "ok"
    workspace = scripted_workspace(analyzer, generation=7)
    first = await check_current_state(workspace, None, bound=0.5, report=None)
    assert first == CheckRun(False, running=True)
    second = await check_current_state(workspace, None, bound=30, report=None)
    assert second == CheckRun(True)
    assert analyzer.requested == ["rust-analyzer/runFlycheck"]
    assert [d.message for d in analyzer.state.pushed[URI]] == ["late error"]
    # nothing changed on disk since: a third call takes that check's findings without a new one
    third = await check_current_state(workspace, None, bound=30, report=None)
    assert third == CheckRun(True) and analyzer.requested == ["rust-analyzer/runFlycheck"]
    workspace.generation = 8  # a file changed: the findings are old, a new check runs
    assert await check_current_state(workspace, None, bound=30, report=None) == CheckRun(True)
    assert analyzer.requested == ["rust-analyzer/runFlycheck"] * 2
    # the whole workspace's check answers for a file; a file's check (maybe its package only) does
    # not answer for the whole workspace
    assert await check_current_state(workspace, URI, bound=30, report=None) == CheckRun(True)
    assert analyzer.requested == ["rust-analyzer/runFlycheck"] * 2
    workspace.generation = 9
    assert await check_current_state(workspace, URI, bound=30, report=None) == CheckRun(True)
    assert await check_current_state(workspace, None, bound=30, report=None) == CheckRun(True)
    assert analyzer.requested == ["rust-analyzer/runFlycheck"] * 4
    for task in analyzer.tasks:
        await task


@dataclass
class DroppingAnalyzer(ScriptedAnalyzer):
    """Drops the first `dropped` runFlycheck requests, as rust-analyzer does when the work a request
    spawned is cancelled by a change synced meanwhile (parallel diagnostics calls on pest)."""

    dropped: int = 1

    def notify(self, method: str, params: Any) -> None:
        self.requested.append(method)
        if len(self.requested) > self.dropped:
            self.tasks.append(asyncio.get_running_loop().create_task(self.play()))


async def run_dropping(dropped: int) -> tuple[CheckRun, DroppingAnalyzer]:
    analyzer = DroppingAnalyzer([Step(0.05, "begin"), Step(0.1, "end")], dropped=dropped)
    analyzer.state.health = "ok"
    workspace = cast(Workspace, type("W", (), {"client": analyzer})())
    outcome = await run_flycheck(workspace, URI, timeout=30, report=None)
    for task in analyzer.tasks:
        await task
    return outcome, analyzer


async def test_a_dropped_check_request_is_sent_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Four diagnostics calls at once on pest: one answered "NOT CHECKED ... rust-analyzer did not
    start cargo check (is checkOnSave disabled?)" while the others' check ran: its one request had
    been dropped. It is asked again now, and the check it starts is waited for."""
    monkeypatch.setattr(flycheck, "CHECK_START_SECONDS", 0.3)
    outcome, analyzer = await run_dropping(dropped=1)
    assert outcome == CheckRun(True)
    assert analyzer.requested == ["rust-analyzer/runFlycheck"] * 2
    assert analyzer.state.flycheck_begun == analyzer.state.flycheck_ended == 1


async def test_a_check_never_begun_is_said_after_a_few_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flycheck, "CHECK_START_SECONDS", 0.2)
    outcome, analyzer = await run_dropping(dropped=1000)
    assert outcome == CheckRun(False, "rust-analyzer did not start cargo check (is checkOnSave disabled?)")
    assert len(analyzer.requested) == flycheck.CHECK_ASKS


async def test_a_call_right_after_rust_analyzer_cleared_a_finished_check_waits_for_its_restart() -> None:
    """rust-analyzer restarts its check on its own after ours finished: it clears the findings and
    begins the new check some 50 ms later. A call in between, for the same files, took the cleared
    findings as the finished check's (the golden answers once lost a warning so); it waits for the
    quiet, sees the restart begin, and answers with what the restart found."""
    analyzer = ScriptedAnalyzer(
        [Step(0.05, "begin"), Step(0.05, "publish", "error, warning"), Step(0.05, "end")]
    )
    analyzer.state.health = "ok"
    workspace = scripted_workspace(analyzer, generation=3)
    assert await check_current_state(workspace, URI, bound=30, report=None) == CheckRun(True)
    restart = ScriptedAnalyzer(
        [
            Step(0.0, "clear"),
            Step(0.05, "begin"),
            Step(0.05, "publish", "error"),
            Step(0.1, "publish", "error, warning"),
            Step(0.05, "end"),
        ],
        state=analyzer.state,
    )
    await restart.play_soon()
    await asyncio.sleep(0.01)  # cleared, not yet begun
    assert await check_current_state(workspace, URI, bound=30, report=None) == CheckRun(True)
    assert [d.message for d in analyzer.state.pushed[URI]] == ["error, warning"]
    assert analyzer.requested == ["rust-analyzer/runFlycheck"]  # no check of ours was started again
    for task in [*analyzer.tasks, *restart.tasks]:
        await task


async def test_a_check_s_last_findings_sent_after_its_end_are_in_the_answer() -> None:
    """The order rust-analyzer sent when the golden answers and test_ra_tools lost lib_errors'
    unused-variable warning under load (tests/real, a loop beside busy cores): the file's findings
    so far, the error alone (the check's clear and first line), then the check's `end`; the turn of
    its main loop that sent the `end` had also added the warning, but publishes a turn's diagnostics
    only at the turn's end, which came over SETTLE_SECONDS later. The answer waited for the quiet
    only, and had the error alone; a request's answer (sent after that publish) now closes the wait."""
    analyzer = ScriptedAnalyzer(
        [
            Step(0.05, "begin"),
            Step(0.1, "publish", "error; warning"),
            Step(0.01, "publish", "error"),
            Step(0.04, "end"),
            Step(SETTLE_SECONDS + 0.3, "publish", "error; warning", held=True),
        ]
    )
    analyzer.state.health = "ok"
    workspace = scripted_workspace(analyzer, generation=1)
    assert await check_current_state(workspace, URI, bound=30, report=None) == CheckRun(True)
    assert [d.message for d in analyzer.state.pushed[URI]] == ["error", "warning"]
    assert analyzer.requested == ["rust-analyzer/runFlycheck"]
    # the answer came after a publish: asked again after the next quiet
    assert analyzer.asked == ["rust-analyzer/analyzerStatus"] * 2
    # a later call for the same files takes the finished check, once all sent is in
    assert await check_current_state(workspace, URI, bound=30, report=None) == CheckRun(True)
    assert analyzer.requested == ["rust-analyzer/runFlycheck"] and len(analyzer.asked) == 3
    for task in analyzer.tasks:
        await task
