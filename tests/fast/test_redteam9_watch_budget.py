"""Ninth red team: a journal holds at most MAX_WATCHES inotify watches, but a workspace also has a
journal for each of up to 8 path dependencies outside its root, and the engine runs several
workspaces. Project code that plants 16,000 folders in each of 8 sibling crates it names as path
dependencies took 147,000 of the user's 192,540 watches (shared with every program of the user).
Now all journals of the process hold at most MAX_WATCHES_HELD together; past it, a journal walks,
and still sees every change (real files, real inotify)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ra_mcp.workspace import change_journal
from ra_mcp.workspace.journal_walks import made
from ra_mcp.workspace.workspaces import is_watched


def _crate(folder: Path, folders: int, dependencies: list[str]) -> None:
    (folder / "src").mkdir(parents=True)
    named = "".join(f'd{number} = {{ path = "{path}" }}\n' for number, path in enumerate(dependencies))
    (folder / "Cargo.toml").write_text(f'[package]\nname = "{folder.name}"\n\n[dependencies]\n{named}')
    (folder / "src" / "lib.rs").write_text("pub fn f() {}\n")
    for number in range(folders):
        (folder / "src" / f"m{number}").mkdir()


def test_all_journals_together_hold_a_bounded_number_of_watches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(change_journal, "MAX_WATCHES", 20)
    monkeypatch.setattr("ra_mcp.workspace.watch_budget.MAX_WATCHES_HELD", 30)
    siblings = [f"dep{number}" for number in range(3)]
    for name in siblings:
        _crate(tmp_path / name, 15, [])
    _crate(tmp_path / "app", 2, [f"../{name}" for name in siblings])
    root, outside = asyncio.run(made(tmp_path / "app", is_watched, (tmp_path,)))
    journals = [root, *outside]
    try:
        assert len(outside) == 3, [journal.root for journal in outside]
        held = sum(len(journal.directories) for journal in journals)
        assert held <= 30, f"the journals of one workspace hold {held} watches"
        walking = [journal for journal in journals if not journal.watching]
        assert walking, "no journal fell back to walking"
        for journal in journals:  # every journal, watching or walking, still sees an edit
            edited = Path(journal.root) / "src" / "lib.rs"
            edited.write_text("pub fn f() { let _changed = 1; }\n")
            assert str(edited) in journal.refresh()
    finally:
        for journal in journals:
            journal.close()
