"""A check that begins while run_flycheck asks the tee's copy whether the last one ran to its end (a
read on a worker thread): rust-analyzer's restart clears a package's findings and publishes them again
as cargo replays them, so a file can be published with some of its warnings only. The answer was
taken right after the copy said "ran to its end", from that half-published file: the large corpus
once listed 3,035 of cargo's 3,036 warnings (the missing one beside a listed one in the same
function). What came in during the ask is now looked at before the answer, as after the request
before it. Driven with the sequences rust-analyzer sends (test_flycheck_wait.py's script)."""

from __future__ import annotations

import time
from typing import cast

import pytest

from ra_mcp.workspace.flycheck import CheckRun, run_flycheck
from ra_mcp.workspace.workspaces import Workspace
from tests.fast.test_flycheck_wait import URI, ScriptedAnalyzer, Step

pytestmark = pytest.mark.anyio
BOTH = "unused result at 997; unused result at 1002"


async def test_a_check_begun_while_the_copy_is_read_is_waited_for() -> None:
    analyzer = ScriptedAnalyzer(
        [
            Step(0.05, "begin"),
            Step(0.05, "publish", BOTH),
            Step(0.05, "end"),
            Step(1.0, "begin"),  # rust-analyzer's restart, once the copy is being read
            Step(0.05, "publish", "unused result at 997"),  # the file again, half replayed
            Step(0.5, "publish", BOTH),
            Step(0.05, "end"),
        ]
    )
    analyzer.state.health = "ok"
    state = analyzer.state

    def copy_read() -> bool:
        """The copy says the first check ran to its end; meanwhile the restart begins and publishes."""
        waited = time.monotonic()
        while state.flycheck_begun < 2 and time.monotonic() - waited < 5.0:
            time.sleep(0.01)
        time.sleep(0.1)  # its first publish in
        return True

    state.ran_to_end = copy_read
    workspace = cast(Workspace, type("W", (), {"client": analyzer})())
    outcome = await run_flycheck(workspace, None, timeout=30, report=None)
    seen = [d.message for d in state.pushed.get(URI, [])]
    for task in analyzer.tasks:
        await task
    assert outcome == CheckRun(True)
    assert seen == BOTH.split("; "), seen  # ["unused result at 997"] before
    assert state.flycheck_begun == state.flycheck_ended == 2
