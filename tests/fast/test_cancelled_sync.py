"""Fast tier: a re-sync stopped before it told rust-analyzer loses nothing. The change journals hand
out each changed path once; a call cancelled while its re-sync awaited (copying Cargo.lock to the
private lockfile) used to drop the paths it had taken, so every later call answered from the old
contents. Now the untold paths are kept and the next call tells them. rust-analyzer is a stand-in
here (no processes): it records what it is told."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import anyio
import pytest

from ra_mcp.lsp.client import AnalyzerClient
from ra_mcp.lsp.lazy_types import lsp
from ra_mcp.lsp.state import AnalyzerState
from ra_mcp.workspace.change_journal import ChangeJournal
from ra_mcp.workspace.pool import in_sync
from ra_mcp.workspace.workspaces import Workspace, is_watched
from rust_mcp.core.lockfile import LOCKFILE_PATH_ENV
from rust_mcp.core.roots import AllowedRoots, ReadScope
from tests.support.encoded_messages import decoded

pytestmark = pytest.mark.anyio


@dataclass
class Command:
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Told:
    """What the re-sync uses of rust-analyzer's client; keeps every notification."""

    command: Command
    state: AnalyzerState = field(default_factory=lambda: AnalyzerState(health="ok", quiescent=True))
    alive: bool = True
    sent: list[tuple[str, Any]] = field(default_factory=list)

    def notify_encoded(self, message: bytes) -> None:
        self.notify(*decoded(message))

    def notify(self, method: str, params: Any) -> None:
        self.sent.append((method, params))
        if method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES:  # as rust-analyzer: a reload begins
            self.state.quiescent = False
            self.state.changed.set()

    def texts(self) -> dict[str, str]:
        """The contents sent per file (didOpen or didChange), the last one winning."""
        texts: dict[str, str] = {}
        for method, params in self.sent:
            if method == lsp.TEXT_DOCUMENT_DID_OPEN:
                texts[params.text_document.uri] = params.text_document.text
            elif method == lsp.TEXT_DOCUMENT_DID_CHANGE:
                texts[params.text_document.uri] = params.content_changes[0].text
        return texts


def workspace(root: Path) -> tuple[Workspace, Told]:
    (root / "src").mkdir()
    (root / "Cargo.toml").write_text('[package]\nname = "kept"\nversion = "0.1.0"\n')
    (root / "Cargo.lock").write_text("version = 3\n")
    (root / "src" / "lib.rs").write_text("pub fn old() {}\n")
    private = root / "target" / "rust-analyzer" / "Cargo.lock"
    private.parent.mkdir(parents=True)
    client = Told(Command({LOCKFILE_PATH_ENV: str(private)}))
    journal = ChangeJournal(root, is_watched)
    scope = ReadScope.for_roots(AllowedRoots((root,)), root / "cargo-home")
    told = cast(AnalyzerClient, client)
    made = Workspace(root=root, client=told, scope=scope, journal=journal, snapshot=dict(journal.files))
    return made, client


async def cancelled_sync(made: Workspace) -> None:
    """A re-sync cancelled at its first wait (the Cargo.lock copy): it told rust-analyzer nothing."""
    with anyio.CancelScope() as scope:
        scope.cancel()
        await made.sync_from_disk()
    assert scope.cancelled_caught


async def test_a_cancelled_sync_leaves_its_changes_for_the_next_call(tmp_path: Path) -> None:
    made, client = workspace(tmp_path)
    lib = tmp_path / "src" / "lib.rs"
    lib.write_text("pub fn new_name() {}\n")
    (tmp_path / "Cargo.lock").write_text("version = 4\n")
    await cancelled_sync(made)
    assert client.sent == []
    assert not in_sync(made)  # the next call re-syncs rather than trusting the quiet journal
    told = await made.sync_from_disk()
    assert lib in told and tmp_path / "Cargo.lock" in told
    assert client.texts()[lib.as_uri()] == "pub fn new_name() {}\n"
    assert await made.sync_from_disk() == []  # told once: nothing left over


async def test_a_rewrite_with_the_same_stamp_is_still_told_after_a_cancel(tmp_path: Path) -> None:
    """A rewrite within the clock tick keeping the size leaves the stamp as it was: only the journal's
    event says it changed, and that event is gone after the cancelled re-sync read it."""
    made, client = workspace(tmp_path)
    lib = tmp_path / "src" / "lib.rs"
    before = lib.stat()
    lib.write_text("pub fn new() {}\n")  # the same size
    os.utime(lib, ns=(before.st_atime_ns, before.st_mtime_ns))
    (tmp_path / "Cargo.lock").write_text("version = 4\n")
    await cancelled_sync(made)
    assert client.sent == []
    told = await made.sync_from_disk()
    assert lib in told
    assert client.texts()[lib.as_uri()] == "pub fn new() {}\n"
