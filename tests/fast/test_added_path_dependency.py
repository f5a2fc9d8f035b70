"""Fast tier: a re-sync that finds a manifest changed watches the outside trees it names from then on
(Workspace._follow_manifests, outside_trees.followed): an edit in a path dependency added after the
start reaches rust-analyzer, and a dependency dropped from the manifest is no longer watched.
rust-analyzer is a stand-in here (no processes): it records what it is told."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from ra_mcp.lsp.client import AnalyzerClient
from ra_mcp.lsp.lazy_types import lsp
from ra_mcp.workspace.change_journal import ChangeJournal
from ra_mcp.workspace.workspaces import Workspace, is_watched
from rust_mcp.core.roots import AllowedRoots, ReadScope
from tests.fast.test_cancelled_sync import Command, Told

pytestmark = pytest.mark.anyio
APP = '[package]\nname = "app"\nversion = "0.1.0"\n'
WITH_DEP = APP + '\n[dependencies]\ndep = { path = "../dep" }\n'


async def test_a_dependency_added_after_the_start_is_watched_and_a_dropped_one_is_not(tmp_path: Path) -> None:
    app, dep = tmp_path / "app", tmp_path / "dep"
    for folder in (app / "src", dep / "src"):
        folder.mkdir(parents=True)
    (app / "Cargo.toml").write_text(APP)
    (app / "src" / "main.rs").write_text("fn main() {}\n")
    (dep / "Cargo.toml").write_text(APP.replace('"app"', '"dep"'))
    lib = dep / "src" / "lib.rs"
    lib.write_text("/// The first answer.\npub fn value() {}\n")
    client = Told(Command())
    journal = ChangeJournal(app, is_watched)
    scope = ReadScope.for_roots(AllowedRoots((tmp_path,)), tmp_path / "cargo-home")
    made = Workspace(
        root=app,
        client=cast(AnalyzerClient, client),
        scope=scope,
        journal=journal,
        snapshot=dict(journal.files),
    )
    assert made.outside == []

    (app / "Cargo.toml").write_text(WITH_DEP)
    assert await made.sync_from_disk() == [app / "Cargo.toml"]  # rust-analyzer reads the new tree itself
    assert [Path(each.root) for each in made.outside] == [dep]
    lib.write_text("/// The second answer.\npub fn value() {}\n")
    assert await made.sync_from_disk() == [lib]
    assert client.texts()[lib.as_uri()] == "/// The second answer.\npub fn value() {}\n"

    (app / "Cargo.toml").write_text(APP)
    await made.sync_from_disk()
    assert made.outside == [] and str(lib) not in made.snapshot
    closed = [
        params.text_document.uri for method, params in client.sent if method == lsp.TEXT_DOCUMENT_DID_CLOSE
    ]
    assert closed == [lib.as_uri()]  # rust-analyzer reads it from disk again, if at all
    lib.write_text("/// The third answer.\npub fn value() {}\n")
    assert await made.sync_from_disk() == []  # no longer rust-analyzer's: not told
