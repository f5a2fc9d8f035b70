"""Fast tier: the files a cargo configuration `include`s (relative to its folder) are part of the
tree's state (tree_state), wherever they are: an edit to one gives another state, so a repeated check
is not answered by a run made under the old flags. Includes past MAX_INCLUDED, or with a NUL byte,
give a state of their own each time."""

from __future__ import annotations

import os
from pathlib import Path

from rust_mcp.core import tree_state as tree_state_module
from rust_mcp.core.file_stamps import Walk
from rust_mcp.core.named_places import MAX_INCLUDED
from rust_mcp.core.tree_state import tree_state


def _crate(root: Path, include: str) -> Path:
    crate = root / "crate"
    (crate / "src").mkdir(parents=True)
    (crate / ".cargo").mkdir()
    (crate / "Cargo.toml").write_text('[package]\nname = "c"\nversion = "0.1.0"\n')
    (crate / "src" / "lib.rs").write_text("pub fn f() {}\n")
    (crate / ".cargo" / "config.toml").write_text(f"include = {include}\n")
    return crate


def _state(crate: Path, root: Path) -> str:
    tree_state_module._walks.clear()  # a walk each time, not the remembered one
    return tree_state(crate, (root,))


def test_an_edit_to_an_included_file_outside_the_tree_changes_its_state(tmp_path: Path) -> None:
    crate = _crate(tmp_path, '["../../shared/flags.toml", { path = "../../shared/more.toml" }]')
    (tmp_path / "shared").mkdir()
    flags, more = tmp_path / "shared" / "flags.toml", tmp_path / "shared" / "more.toml"
    flags.write_text("[build]\nrustflags = []\n")
    more.write_text('include = ["deeper.toml"]\n')
    before = _state(crate, tmp_path)
    assert _state(crate, tmp_path) == before  # the control: nothing changed, the same state
    flags.write_text('[build]\nrustflags = ["--cfg", "x"]\n')
    edited = _state(crate, tmp_path)
    assert edited != before
    (tmp_path / "shared" / "deeper.toml").write_text("[env]\nX = '1'\n")  # included by an included one
    assert _state(crate, tmp_path) != edited


def test_includes_not_all_followed_give_a_state_of_their_own(tmp_path: Path) -> None:
    names = ", ".join(f'"f{index}.toml"' for index in range(MAX_INCLUDED + 1))
    crate = _crate(tmp_path / "many", f"[{names}]")
    assert _state(crate, tmp_path) != _state(crate, tmp_path)
    nul = _crate(tmp_path / "nul", '["a\\u0000b.toml"]')
    assert _state(nul, tmp_path) != _state(nul, tmp_path)
    walk = Walk()
    walk.stamp(os.fsdecode(tmp_path / "a\0b"))  # a name a project file gave: stamped as absent
    assert walk.watched
