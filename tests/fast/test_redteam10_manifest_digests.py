"""Red team: reload_wait.py digests the manifests rust-analyzer reloads for, at the first re-sync (up
to 512 of them, each up to 8 MiB) and on each change. 512 sparse 8 MiB Cargo.toml files (no disk
used) took that baseline 37 s: past the door's 30 s, the first call of the workspace was refused and
a door thread (shared by all sessions) kept hashing 4 GiB. The bytes read are now bounded."""

from __future__ import annotations

import os
from pathlib import Path

from ra_mcp.workspace.reload_wait import DIGESTED_BYTES, ReloadingFiles
from rust_mcp.core.budgets import MAX_SYNC_BYTES
from rust_mcp.core.roots import AllowedRoots, ReadScope

MANIFESTS = 12  # 96 MiB: more than the budget


def _sparse_manifests(root: Path) -> list[str]:
    paths = []
    for number in range(MANIFESTS):
        path = root / f"m{number}" / "Cargo.toml"
        path.parent.mkdir()
        with path.open("wb") as out:
            out.truncate(MAX_SYNC_BYTES - 1)  # sparse: nothing on disk, 8 MiB to read
        paths.append(str(path))
    return paths


def test_the_baseline_reads_a_bounded_number_of_bytes(tmp_path: Path) -> None:
    files = _sparse_manifests(tmp_path)
    (tmp_path / "small").mkdir()
    (tmp_path / "small" / "Cargo.toml").write_text('[package]\nname = "small"\n')
    reloading = ReloadingFiles()
    reloading.take_baseline(ReadScope(AllowedRoots((tmp_path,))), files, set())
    digested = sum(os.stat(path).st_size for path in reloading.seen)
    assert digested <= DIGESTED_BYTES and len(reloading.seen) < MANIFESTS, len(reloading.seen)


def test_past_the_budget_a_change_is_taken_as_a_reload(tmp_path: Path) -> None:
    files = _sparse_manifests(tmp_path)
    scope = ReadScope(AllowedRoots((tmp_path,)))
    reloading = ReloadingFiles()
    reloading.seen = {path: b"as rust-analyzer saw it" for path in files}
    assert reloading.reload_follows(scope, [Path(path) for path in files], set())
    assert len(reloading.seen) < MANIFESTS  # the files past the budget have no digest: unknown
