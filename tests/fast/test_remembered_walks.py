"""A tree's last walk answers the next tree_state when nothing it stamped or resolved changed, and
never once something did: an edit, a new name, a rename, a path dependency's edit (tree_state.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rust_mcp.core import file_stamps
from rust_mcp.core import tree_state as module
from rust_mcp.core.file_stamps import stamps_of
from rust_mcp.core.project_files import walk_without_links
from rust_mcp.core.tree_state import settle, tree_state


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """The roots walked (listed), in order; the remembered walks forgotten before and after."""
    listed: list[Path] = []
    real = walk_without_links

    def counted(root: Path, *rest: Any) -> Any:
        listed.append(root)
        return real(root, *rest)

    monkeypatch.setattr(module, "walk_without_links", counted)
    module._walks.clear()
    yield listed
    module._walks.clear()


def every_stamp_settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if every stamp were older than a clock tick before its walk."""
    monkeypatch.setattr(file_stamps, "RACY_NS", -(10**12))
    monkeypatch.setattr(file_stamps, "COARSE_RACY_NS", -(10**12))


def later(path: Path, step: int) -> None:
    """Give `path` times `step` seconds after now, as a change in a later tick of the clock would."""
    when = os.stat(path).st_mtime_ns + step * 1_000_000_000
    os.utime(path, ns=(when, when))


def crate_with_a_path_dependency(tmp_path: Path) -> tuple[Path, Path]:
    crate, shared = tmp_path / "crate", tmp_path / "shared"
    for directory in (crate, shared):
        (directory / "src").mkdir(parents=True)
        (directory / "src" / "lib.rs").write_text("pub fn f() {}\n")
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "crate"\nversion = "0.1.0"\n[dependencies]\nshared = { path = "../shared" }\n'
    )
    (shared / "Cargo.toml").write_text('[package]\nname = "shared"\nversion = "0.1.0"\n')
    return crate, shared


def test_a_settled_walk_answers_until_a_file_or_a_name_changes(
    tmp_path: Path, walks: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    every_stamp_settled(monkeypatch)
    crate, shared = crate_with_a_path_dependency(tmp_path)
    first = tree_state(crate, [tmp_path])
    assert len(walks) == 2  # the crate and its path dependency
    assert tree_state(crate, [tmp_path]) == first and len(walks) == 2  # remembered: nothing listed
    (crate / "src" / "lib.rs").write_text("pub fn f() {}\n")  # the same bytes, written again
    later(crate / "src" / "lib.rs", 1)
    edited = tree_state(crate, [tmp_path])
    assert edited != first and len(walks) == 4
    (crate / "src" / "new.rs").write_text("")
    later(crate / "src", 2)  # a new name changes its directory's times
    created = tree_state(crate, [tmp_path])
    assert created != edited and tree_state(crate, [tmp_path]) == created
    (crate / "src" / "new.rs").rename(crate / "src" / "old.rs")
    later(crate / "src", 3)
    renamed = tree_state(crate, [tmp_path])
    assert renamed != created
    (shared / "src" / "lib.rs").write_text("pub fn g() {}\n")  # outside the root, walked as a dependency
    later(shared / "src" / "lib.rs", 4)
    assert tree_state(crate, [tmp_path]) != renamed


def test_a_link_retargeted_is_seen_by_the_remembered_walk(
    tmp_path: Path, walks: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    every_stamp_settled(monkeypatch)
    crate, _ = crate_with_a_path_dependency(tmp_path)
    other = tmp_path / "other"
    (other / "src").mkdir(parents=True)
    (other / "src" / "lib.rs").write_text("pub fn h() {}\n")
    (other / "Cargo.toml").write_text('[package]\nname = "shared"\nversion = "0.1.0"\n')
    (tmp_path / "current").symlink_to(tmp_path / "shared")
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "crate"\nversion = "0.1.0"\n[dependencies]\nshared = { path = "../current" }\n'
    )
    before = tree_state(crate, [tmp_path])
    assert tree_state(crate, [tmp_path]) == before
    (tmp_path / "current").unlink()  # outside every walked tree: only its resolution tells
    (tmp_path / "current").symlink_to(other)
    assert tree_state(crate, [tmp_path]) != before


def test_a_walk_close_to_a_change_is_not_remembered_until_settled(
    tmp_path: Path, walks: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_stamps, "RACY_NS", 10**18)  # every change as close to the walk as a tick
    crate, _ = crate_with_a_path_dependency(tmp_path)
    first = tree_state(crate, [tmp_path])
    assert tree_state(crate, [tmp_path]) == first and len(walks) == 4  # walked again, not remembered
    settle(crate, [tmp_path])
    assert len(walks) == 6  # still too close to its change: settle walked it again


def test_settle_after_a_run_that_made_the_build_directory(
    tmp_path: Path, walks: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """cargo makes target/ in the root: the state is the same, but the remembered walk no longer holds
    (the root's times changed); settle walks again, so the repeat lists nothing."""
    every_stamp_settled(monkeypatch)
    crate, _ = crate_with_a_path_dependency(tmp_path)
    before = tree_state(crate, [tmp_path])
    (crate / "target" / "debug").mkdir(parents=True)
    later(crate, 1)
    settle(crate, [tmp_path])
    assert len(walks) == 4
    assert tree_state(crate, [tmp_path]) == before and len(walks) == 4


def test_stamps_of_places_tell_a_manifest_made_or_a_link_retargeted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a repeat of a cargo call checks before it is answered (shared_checks.Repeats): the
    directories its project was found from, their Cargo.toml, and what its path resolved to."""
    every_stamp_settled(monkeypatch)
    crate, shared = crate_with_a_path_dependency(tmp_path)
    (tmp_path / "link").symlink_to(crate)
    above = [crate, tmp_path]
    places = [str(p) for d in above for p in (d, d / "Cargo.toml")]
    stamps = stamps_of(places, [tmp_path / "link"])
    assert stamps is not None and stamps.holds()
    (tmp_path / "Cargo.toml").write_text('[workspace]\nmembers = ["crate"]\n')
    later(tmp_path, 1)
    assert not stamps.holds()  # a workspace made above the package
    stamps = stamps_of([str(crate)], [tmp_path / "link"])  # the link's directory not stamped
    assert stamps is not None and stamps.holds()
    (tmp_path / "link").unlink()
    (tmp_path / "link").symlink_to(shared)
    assert not stamps.holds()  # the path named resolves elsewhere
    monkeypatch.setattr(file_stamps, "RACY_NS", 10**18)
    assert stamps_of(places) is None  # too close to a change to be trusted


def test_settle_stamps_what_the_run_just_recorded_in_skipped_folders(
    tmp_path: Path, walks: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run writes build records under target/ (skipped by the walk, so the remembered walk still
    holds) naming a file it read in node_modules; settle walks again, so an edit to that file gives
    another state (red team 4: a kept check must not answer for a file it never saw)."""
    every_stamp_settled(monkeypatch)
    crate, _ = crate_with_a_path_dependency(tmp_path)
    (crate / "target" / "debug" / "deps").mkdir(parents=True)
    (crate / "node_modules").mkdir()
    (crate / "node_modules" / "gen.rs").write_text("pub fn g() {}\n")
    later(crate, 1)
    tree_state(crate, [tmp_path])
    (crate / "target" / "debug" / "deps" / "crate-1.d").write_text("x: src/lib.rs node_modules/gen.rs\n")
    settle(crate, [tmp_path])  # as after the run that wrote the record
    before = tree_state(crate, [tmp_path])
    (crate / "node_modules" / "gen.rs").write_text("pub fn g() { let _ = 1; }\n")
    later(crate / "node_modules" / "gen.rs", 2)
    assert tree_state(crate, [tmp_path]) != before


def test_settle_keeps_the_walk_from_before_a_run_that_changed_nothing_the_state_stamps(
    tmp_path: Path, walks: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run into an existing target/ that records the files it recorded before: the walk from before
    the run still holds and the records name the same files, so settle walks nothing (one walk per
    run), and the state is the one a fresh walk gives."""
    every_stamp_settled(monkeypatch)
    crate, _ = crate_with_a_path_dependency(tmp_path)
    deps = crate / "target" / "debug" / "deps"
    deps.mkdir(parents=True)
    (crate / "node_modules").mkdir()
    (crate / "node_modules" / "gen.rs").write_text("pub fn g() {}\n")
    (deps / "crate-1.d").write_text("x: src/lib.rs node_modules/gen.rs\n")
    later(crate, 1)
    before = tree_state(crate, [tmp_path])
    assert len(walks) == 2
    (deps / "crate-1.d").write_text("y: node_modules/gen.rs src/lib.rs\n")  # rewritten, the same files
    (deps / "crate-1.rmeta").write_bytes(b"\0")
    settle(crate, [tmp_path])
    assert len(walks) == 2  # kept: nothing walked after the run
    assert tree_state(crate, [tmp_path]) == before and len(walks) == 2
    module._walks.clear()
    assert tree_state(crate, [tmp_path]) == before  # as fresh: a new walk gives the same state
    (deps / "crate-2.d").write_text("z: node_modules/gen.rs node_modules/other.rs\n")
    settle(crate, [tmp_path])
    assert len(walks) == 6  # the records name another file: walked again
