"""A check rust-analyzer cancelled, whose restart begins later than the quiet run_flycheck waits for
(SETTLE_SECONDS): a loaded machine, rust-analyzer's flycheck thread waiting for a CPU while its
main loop answers at once. The answer waited for the quiet alone and said "clean" (the cancelled
check had published nothing: a secret_masking run under CI load; tests/real/
test_flycheck_late_restart.py makes it happen with a real rust-analyzer). The tee's copy says
whether the last check ran to its end; a cancelled one is followed by a bounded wait for its
restart. Driven with the sequences rust-analyzer sends (test_flycheck_wait.py's script)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import cast

import pytest

from ra_mcp.workspace import flycheck
from ra_mcp.workspace.check_copies import CheckCopies
from ra_mcp.workspace.flycheck import SETTLE_SECONDS, CheckRun, run_flycheck
from ra_mcp.workspace.workspaces import Workspace
from tests.fast.test_flycheck_wait import URI, ScriptedAnalyzer, Step

pytestmark = pytest.mark.anyio

LATE = SETTLE_SECONDS + 0.8  # the restart's begin after the cancel's end


async def run(steps: list[Step], finished: list[bool]) -> tuple[CheckRun, float, ScriptedAnalyzer, list[str]]:
    """run_flycheck against the script, the tee's copy saying `finished[n]` after the n-th end; also
    the messages published when it returned."""
    analyzer = ScriptedAnalyzer(steps)
    analyzer.state.health = "ok"
    analyzer.state.ran_to_end = lambda: finished[analyzer.state.flycheck_ended - 1]
    workspace = cast(Workspace, type("W", (), {"client": analyzer})())
    started = time.monotonic()
    outcome = await run_flycheck(workspace, URI, timeout=30, report=None)
    elapsed = time.monotonic() - started
    seen = [d.message for d in analyzer.state.pushed.get(URI, [])]
    for task in analyzer.tasks:
        await task
    return outcome, elapsed, analyzer, seen


async def test_a_cancelled_check_whose_restart_begins_late_is_waited_for() -> None:
    outcome, _, analyzer, seen = await run(
        [
            Step(0.05, "begin"),
            Step(0.1, "end"),  # cancelled by rust-analyzer's restart: nothing published
            Step(LATE, "begin"),
            Step(0.2, "publish", "E0505"),
            Step(0.05, "end"),
        ],
        finished=[False, True],
    )
    assert outcome == CheckRun(True)
    assert seen == ["E0505"]  # not the cancelled check's nothing
    assert analyzer.state.flycheck_begun == analyzer.state.flycheck_ended == 2


async def test_a_check_that_ran_to_its_end_is_answered_after_the_quiet_alone() -> None:
    outcome, elapsed, _, _ = await run([Step(0.05, "begin"), Step(0.1, "end")], finished=[True])
    assert outcome == CheckRun(True)
    assert elapsed < 0.15 + SETTLE_SECONDS + 1.0, elapsed


async def test_a_cancelled_check_never_restarted_is_answered_after_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(flycheck, "RESTART_SECONDS", 0.5)
    outcome, elapsed, analyzer, _ = await run([Step(0.05, "begin"), Step(0.1, "end")], finished=[False])
    assert outcome == CheckRun(True)  # as before: nothing else to wait for
    assert 0.15 + SETTLE_SECONDS + 0.5 - 0.05 <= elapsed < 0.15 + SETTLE_SECONDS + 2.0, elapsed
    assert analyzer.requested == ["rust-analyzer/runFlycheck"]


def write_done(directory: Path, finished_ns: int) -> None:
    record = {"argv": ["check"], "cwd": "/w", "started": finished_ns - 1, "finished": finished_ns, "exit": 0}
    (directory / "done").write_text(json.dumps(record))


async def test_the_copy_says_whether_the_last_check_ran_to_its_end(tmp_path: Path) -> None:
    """A check ran to its end when the tee's `done` was written after the end before it was seen:
    a cancelled check writes none, so the `done` there is an older check's."""
    copies = CheckCopies(tmp_path, tmp_path, "/usr/bin/cargo", sandboxed=True)
    copies.event("begin")
    copies.event("end")
    assert not copies.ran_to_end()  # no copy at all
    copies.event("begin")
    write_done(tmp_path, time.time_ns())  # the second check finished
    copies.event("end")
    assert copies.ran_to_end()
    copies.event("begin")
    copies.event("end")  # the third one was cancelled: the copy is the second's
    assert not copies.ran_to_end()
    copies.event("begin")
    write_done(tmp_path, time.time_ns())  # the fourth ran to its end
    copies.event("end")
    assert copies.ran_to_end()
    (tmp_path / "done").write_text("{not json")
    assert not copies.ran_to_end()
