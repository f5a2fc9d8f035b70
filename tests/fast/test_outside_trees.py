"""Fast tier: which trees outside a workspace root get a change journal of their own (outside_trees):
the packages its manifests name outside the root inside the allowed roots, and theirs; never a folder
without a manifest, one around the root, or one outside the allowed roots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ra_mcp.workspace import journal_walks
from ra_mcp.workspace import outside_trees as outside_trees_module
from ra_mcp.workspace.change_journal import ChangeJournal
from ra_mcp.workspace.outside_trees import followed, outside_trees
from ra_mcp.workspace.workspaces import is_watched


def _package(folder: Path, dependencies: str = "") -> Path:
    (folder / "src").mkdir(parents=True, exist_ok=True)
    name = folder.name.replace("-", "_")
    (folder / "Cargo.toml").write_text(f'[package]\nname = "{name}"\n\n[dependencies]\n{dependencies}')
    (folder / "src" / "lib.rs").write_text("")
    return folder / "Cargo.toml"


def test_the_packages_named_outside_the_root_and_theirs(tmp_path: Path) -> None:
    allowed = tmp_path / "allowed"
    app = allowed / "top" / "app"
    names = [
        'dep = { path = "../dep" }',
        'inner = { path = "inner" }',  # inside the root: its own journal covers it
        'around = { path = ".." }',  # the folder holding the root
        'bare = { path = "../bare" }',  # no manifest there
        'far = { path = "../../../far" }',  # outside the allowed roots
    ]
    manifest = _package(app, "\n".join(names) + "\n")
    _package(app / "inner")
    _package(allowed / "top" / "dep", 'deeper = { path = "../../deeper" }\n')
    _package(allowed / "deeper")
    _package(allowed / "top")
    (allowed / "top" / "bare").mkdir()
    _package(tmp_path / "far")
    found = outside_trees(app, [str(manifest), str(app / "inner" / "Cargo.toml")], [allowed])
    assert found == [allowed / "top" / "dep", allowed / "deeper"]


def test_a_changed_manifest_adds_and_drops_watched_trees(tmp_path: Path) -> None:
    """followed: a path dependency named after the start gets a journal that sees its files; one no
    longer named is handed back to be closed; one still named keeps its journal."""
    app = tmp_path / "app"
    manifest = _package(app, 'kept = { path = "../kept" }\n')
    _package(tmp_path / "kept")
    _package(tmp_path / "added")
    journal = ChangeJournal(app, is_watched, use_inotify=False)
    start, dropped = followed(app, journal, [tmp_path], [])
    assert [Path(each.root) for each in start] == [tmp_path / "kept"] and dropped == []
    manifest.write_text(manifest.read_text().replace("kept", "added"))
    journal.refresh()
    now, dropped = followed(app, journal, [tmp_path], start)
    assert [Path(each.root) for each in now] == [tmp_path / "added"] and dropped == start
    assert str(tmp_path / "added" / "src" / "lib.rs") in now[0].files
    manifest.write_text(manifest.read_text() + 'kept = { path = "../kept" }\n')
    journal.refresh()
    again, dropped = followed(app, journal, [tmp_path], now)
    assert again[0] is now[0] and dropped == []
    for each in (*start, *again):
        each.close()


def test_a_start_makes_the_outside_journals_as_a_manifest_change_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One way to make them (outside_trees.followed, from journal_walks at a start): a start whose
    outside trees cannot be found goes on without them, as a re-sync does, and leaves no journal
    watching when making one fails."""
    app = tmp_path / "app"
    _package(app, 'dep = { path = "../dep" }\nother = { path = "../other" }\n')
    _package(tmp_path / "dep")
    _package(tmp_path / "other")
    journal, outside = journal_walks._made(app, is_watched, [tmp_path])
    assert [Path(each.root) for each in outside] == [tmp_path / "dep", tmp_path / "other"]
    for each in (journal, *outside):
        each.close()

    def unfound(*_: object) -> list[Path]:
        raise OSError("unreadable")

    monkeypatch.setattr(outside_trees_module, "outside_trees", unfound)
    journal, outside = journal_walks._made(app, is_watched, [tmp_path])
    assert outside == [] and journal.watching
    journal.close()
    monkeypatch.undo()
    made: list[ChangeJournal] = []
    original = ChangeJournal.__init__

    def second_fails(self: ChangeJournal, *args: Any, **kwargs: Any) -> None:
        if len(made) == 2:  # the root's and the first tree's are made: the second tree's fails
            raise OSError("no more descriptors")
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(ChangeJournal, "__init__", second_fails)
    with pytest.raises(OSError, match="no more descriptors"):
        journal_walks._made(app, is_watched, [tmp_path])
    assert len(made) == 2 and not any(each.watching for each in made)
