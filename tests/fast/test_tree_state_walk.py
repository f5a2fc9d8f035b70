"""What the files' state (tree_state.py) follows besides the plain walk: hidden directories, the
targets of linked directories, and a tree too large to follow, which never gets an equal state."""

from __future__ import annotations

from pathlib import Path

import pytest

from rust_mcp.core import tree_state as module
from rust_mcp.core.tree_state import tree_state


def _crate(path: Path) -> Path:
    (path / "src").mkdir(parents=True)
    (path / "Cargo.toml").write_text('[package]\nname = "c"\nversion = "0.1.0"\n')
    (path / "src" / "lib.rs").write_text("pub fn f() {}\n")
    return path


def test_an_edit_in_a_hidden_directory_or_through_a_linked_one_changes_the_state(tmp_path: Path) -> None:
    crate, elsewhere = _crate(tmp_path / "crate"), tmp_path / "elsewhere"
    (crate / ".gen").mkdir()
    (crate / ".gen" / "value.rs").write_text("1\n")
    elsewhere.mkdir()
    (elsewhere / "mod.rs").write_text("pub fn g() {}\n")
    (crate / "src" / "linked").symlink_to(elsewhere)  # inside the allowed roots: walked
    before = tree_state(crate, [tmp_path])
    assert tree_state(crate, [tmp_path]) == before
    (crate / ".gen" / "value.rs").write_text("2\n")
    hidden = tree_state(crate, [tmp_path])
    assert hidden != before
    (elsewhere / "mod.rs").write_text("pub fn h() {}\n")
    assert tree_state(crate, [tmp_path]) != hidden
    (crate / ".git").mkdir()
    (crate / ".git" / "index").write_text("vcs data")
    with_git = tree_state(crate, [tmp_path])
    (crate / ".git" / "index").write_text("other vcs data")
    assert tree_state(crate, [tmp_path]) == with_git  # VCS data is still not the project's state


def test_a_tree_too_large_to_follow_never_has_an_equal_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crate = _crate(tmp_path / "crate")
    assert tree_state(crate) == tree_state(crate)
    monkeypatch.setattr(module, "MAX_STAMPED", 1)
    assert tree_state(crate) != tree_state(crate)


@pytest.mark.parametrize("odd", ["target = 1", "workspace = []", "patch = 'x'", "[workspace]\nmembers = 3"])
def test_a_manifest_of_odd_shape_gives_a_state(tmp_path: Path, odd: str) -> None:
    """Tables cargo would refuse are not a crash here: cargo says what is wrong when it runs."""
    crate = _crate(tmp_path / "crate")
    (crate / "Cargo.toml").write_text(f'{odd}\n[package]\nname = "c"\nversion = "0.1.0"\n')
    assert tree_state(crate, [tmp_path]) == tree_state(crate, [tmp_path])
