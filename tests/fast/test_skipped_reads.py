"""Which files in folders the project walk skips a build read (rust_mcp/core/skipped_reads.py): from
rustc's dep-info files and build scripts' `rerun-if-changed` lines, kept only under the workspace
and inside a skipped folder; nothing is followed out of the workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from rust_mcp.core import skipped_reads as skipped_reads_module
from rust_mcp.core.skipped_reads import skipped_reads


def test_the_files_a_build_read_in_skipped_folders_are_found(tmp_path: Path) -> None:
    deps = tmp_path / "target" / "x86_64-unknown-linux-gnu" / "debug" / "deps"
    build = tmp_path / "target" / "debug" / "build" / "app-0123"
    deps.mkdir(parents=True)
    build.mkdir(parents=True)
    (deps / "app-0123.d").write_text(
        f"{deps}/app-0123.d: src/lib.rs src/../node_modules/a\\ b.rs /etc/hostname ../outside/.git/x\n\n"
        "src/lib.rs:\nsrc/../node_modules/a\\ b.rs:\n"
    )
    (build / "output").write_text("cargo:rerun-if-changed=../.git/HEAD\ncargo::rerun-if-changed=src/x.rs\n")
    (deps / "link.d").symlink_to(tmp_path / "elsewhere.d")
    (tmp_path / "elsewhere.d").write_text(f"x: {tmp_path}/target/secret\n")
    found = skipped_reads(tmp_path, [tmp_path / "member"])
    assert found == [str(tmp_path / ".git" / "HEAD"), str(tmp_path / "node_modules" / "a b.rs")]


def test_past_its_bounds_no_list_is_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Project code can write any number of build records: past the bounds the state is never reused."""
    deps = tmp_path / "target" / "debug" / "deps"
    deps.mkdir(parents=True)
    for index in range(5):
        (deps / f"c{index}.d").write_text(f"x: node_modules/{index}.rs\n")
    assert skipped_reads(tmp_path, []) is not None
    monkeypatch.setattr(skipped_reads_module, "MAX_FILES", 3)
    assert skipped_reads(tmp_path, []) is None
