"""Fast tier: the wait for rust-analyzer to begin reloading after a manifest changed belongs to the
workspace, not to the call that told it. A call cut at its answer deadline (or cancelled by its client)
in that wait used to take the wait with it: rust-analyzer had been told, so the next call found nothing
to re-sync, rust-analyzer still quiescent, and answered at once from the old crate graph (a hover on a
path dependency just added: nothing). Now every call waits for a pending reload, within its own
deadline. rust-analyzer is a stand-in here (no processes): it leaves quiescence when the test says."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import anyio
import pytest

from ra_mcp.call_deadline import StillWorking
from ra_mcp.lsp.client import AnalyzerClient
from ra_mcp.tools.mcp_adapter import answer_by
from ra_mcp.workspace.pool import in_sync
from ra_mcp.workspace.workspaces import Workspace
from tests.fast.test_cancelled_sync import Told, workspace

pytestmark = pytest.mark.anyio
WITH_DEP = '[package]\nname = "kept"\nversion = "0.1.0"\n\n[dependencies]\ndep = { path = "dep" }\n'
RELOAD_WAIT = "waiting for rust-analyzer to begin reloading after Cargo.toml changed"


@dataclass
class LateToReload(Told):
    """rust-analyzer under load: told of a manifest change, it stays quiescent until `begin`."""

    def notify(self, method: str, params: Any) -> None:
        self.sent.append((method, params))

    def begin(self, ends_too: bool = False) -> None:
        self.state.status_event(False)
        if ends_too:
            self.state.status_event(True)
        self.state.touch()


async def told_a_new_manifest(root: Path) -> tuple[Workspace, LateToReload]:
    made, told = workspace(root)
    late = LateToReload(told.command)
    made.client = cast(AnalyzerClient, late)
    assert await made.sync_from_disk() == []  # the baseline of what rust-analyzer read
    (root / "Cargo.toml").write_text(WITH_DEP)
    return made, late


async def test_a_call_cut_in_the_reload_wait_leaves_it_to_the_next_call(tmp_path: Path) -> None:
    made, late = await told_a_new_manifest(tmp_path)
    with pytest.raises(StillWorking) as cut:
        await answer_by(1.0, made.sync_from_disk)  # cut half-way: 0.5 s
    assert RELOAD_WAIT in str(cut.value)
    assert late.sent and late.state.quiescent  # told, and not yet reloading
    assert not in_sync(made)  # the next call does not answer from the old crate graph at once

    async def reload_begins() -> None:
        await anyio.sleep(0.3)
        late.begin()

    started = time.monotonic()
    async with anyio.create_task_group() as group:
        group.start_soon(reload_begins)
        assert await answer_by(10.0, made.sync_from_disk) == []  # nothing more to tell: it waits
    assert 0.25 <= time.monotonic() - started < 5.0
    assert made.reload is None and not late.state.quiescent  # the readiness wait comes next


async def test_a_cancelled_call_leaves_the_wait_and_the_next_is_cut_by_its_deadline(tmp_path: Path) -> None:
    made, late = await told_a_new_manifest(tmp_path)
    with anyio.CancelScope() as client:
        client.deadline = anyio.current_time() + 0.2  # the client's notifications/cancelled
        await answer_by(30.0, made.sync_from_disk)
    assert client.cancelled_caught and late.sent
    started = time.monotonic()
    with pytest.raises(StillWorking) as cut:  # still quiescent: the next call waits, up to its cut
        await answer_by(1.0, made.sync_from_disk)
    assert RELOAD_WAIT in str(cut.value) and time.monotonic() - started < 1.0
    assert made.reload is not None


async def test_a_reload_begun_and_ended_between_calls_is_not_waited_for(tmp_path: Path) -> None:
    made, late = await told_a_new_manifest(tmp_path)
    with pytest.raises(StillWorking):
        await answer_by(1.0, made.sync_from_disk)
    late.begin(ends_too=True)  # it reloaded while no call ran: quiescent again, on the new graph
    started = time.monotonic()
    assert await answer_by(10.0, made.sync_from_disk) == []
    assert time.monotonic() - started < 0.5 and made.reload is None
