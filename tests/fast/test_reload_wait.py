"""Fast tier: how long a re-sync waits for rust-analyzer to begin reloading after a watched file changed.
rust-analyzer reloads whenever a Cargo.toml, Cargo.lock or .cargo/config.toml changes in content, so the
wait for it to leave quiescence is long (it ends as soon as it does); a file rewritten with the same bytes,
or one it does not reload for, waits briefly. The official CI of 2026-12-07 lost the added path
dependency of test_ra_path_dependency_added to the old 1 s wait: rust-analyzer, under load, left
quiescence later, and the hover answered from the old crate graph. rust-analyzer is a stand-in here."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ra_mcp.lsp.state import AnalyzerState
from ra_mcp.workspace import workspaces
from ra_mcp.workspace.reload_wait import (
    RELOAD_WAIT_SECONDS,
    SHORT_WAIT_SECONDS,
    PendingReload,
    ReloadingFiles,
    await_reload,
    expect_reload,
    reloads_for,
)
from rust_mcp.core.roots import AllowedRoots, ReadScope
from tests.fast.test_cancelled_sync import workspace

pytestmark = pytest.mark.anyio
MANIFEST = '[package]\nname = "kept"\nversion = "0.1.0"\n'


def test_the_files_rust_analyzer_reloads_for(tmp_path: Path) -> None:
    assert reloads_for(tmp_path / "Cargo.toml") and reloads_for(tmp_path / "sub" / "Cargo.lock")
    assert reloads_for(tmp_path / ".cargo" / "config.toml") and reloads_for(tmp_path / ".cargo" / "config")
    assert not reloads_for(tmp_path / "config.toml") and not reloads_for(tmp_path / "rust-toolchain.toml")


def test_only_a_change_of_bytes_is_a_reload(tmp_path: Path) -> None:
    manifest, elsewhere = tmp_path / "Cargo.toml", tmp_path / "later" / "Cargo.toml"
    manifest.write_text(MANIFEST)
    scope = ReadScope(AllowedRoots((tmp_path,)))
    files = ReloadingFiles()
    files.take_baseline(scope, [str(manifest)], changed=set())
    manifest.write_text(MANIFEST)  # the same bytes again: rust-analyzer compares contents
    assert not files.reload_follows(scope, [manifest], set())
    manifest.write_text(MANIFEST.replace("0.1.0", "0.1.1"))
    assert files.reload_follows(scope, [manifest], set())
    assert not files.reload_follows(scope, [manifest], set())  # the new bytes are now what it has
    elsewhere.parent.mkdir()
    elsewhere.write_text(MANIFEST)  # never seen: it may differ from what rust-analyzer read
    assert files.reload_follows(scope, [elsewhere], set())
    files.forget([elsewhere])  # telling it was cancelled: unknown again
    assert files.reload_follows(scope, [elsewhere], set())


def test_a_created_or_deleted_watched_file_is_a_reload(tmp_path: Path) -> None:
    toolchain = tmp_path / "rust-toolchain.toml"
    toolchain.write_text('[toolchain]\nchannel = "stable"\n')
    scope = ReadScope(AllowedRoots((tmp_path,)))
    files = ReloadingFiles()
    assert not files.reload_follows(scope, [toolchain], set())  # modified: rust-analyzer does not reload
    assert files.reload_follows(scope, [toolchain], {str(toolchain)})
    toolchain.unlink()
    assert files.reload_follows(scope, [toolchain], {str(toolchain)})


async def test_a_re_sync_waits_long_only_for_a_manifest_whose_bytes_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []

    def recorded(state: AnalyzerState, names: str, seconds: float) -> PendingReload:
        waits.append(seconds)
        return expect_reload(state, names, seconds)

    monkeypatch.setattr(workspaces, "expect_reload", recorded)
    made, _ = workspace(tmp_path)
    assert await made.sync_from_disk() == []  # the first call: the baseline of what rust-analyzer read
    manifest = tmp_path / "Cargo.toml"
    manifest.write_text(manifest.read_text())
    assert await made.sync_from_disk() == [manifest]
    manifest.write_text(MANIFEST + '\n[dependencies]\ndep = { path = "../dep" }\n')
    assert await made.sync_from_disk() == [manifest]
    (tmp_path / "rust-toolchain.toml").write_text('[toolchain]\nchannel = "stable"\n')
    assert await made.sync_from_disk() == [tmp_path / "rust-toolchain.toml"]
    (tmp_path / "src" / "lib.rs").write_text("pub fn new() {}\n")  # a source: no reload wait at all
    assert await made.sync_from_disk() == [tmp_path / "src" / "lib.rs"]
    assert waits == [SHORT_WAIT_SECONDS, RELOAD_WAIT_SECONDS, RELOAD_WAIT_SECONDS]


async def test_the_wait_ends_when_rust_analyzer_leaves_quiescence() -> None:
    state = AnalyzerState(health="ok", quiescent=True)

    async def reload_begins() -> None:
        await anyio.sleep(0.05)
        state.quiescent = False
        state.changed.set()

    with anyio.fail_after(30):  # far below the bound given: only leaving quiescence ends it in time
        async with anyio.create_task_group() as group:
            group.start_soon(reload_begins)
            await await_reload(expect_reload(state, "Cargo.toml", seconds=600))
    assert not state.quiescent
