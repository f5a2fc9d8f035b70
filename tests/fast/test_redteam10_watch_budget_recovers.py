"""Red team: all change journals of a process share one inotify watch budget (watch_budget.py). One
session's tree that takes the whole budget made every journal started after it walk its tree on each
call, and kept them walking for good: a journal that went blind never watched again, even once the
greedy tree was closed (the engine serves every session from one process). Now a journal blind for the
budget watches again at a refresh once half of the budget is free (real files, real inotify)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ra_mcp.workspace import change_journal
from ra_mcp.workspace.change_journal import ChangeJournal
from ra_mcp.workspace.workspaces import is_watched


def _tree(root: Path, folders: int) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src" / "lib.rs").write_text("pub fn f() {}\n")
    for number in range(folders):
        (root / "src" / f"m{number}").mkdir()
    return root


def test_a_journal_blind_for_the_budget_watches_again_once_it_is_free(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ra_mcp.workspace.watch_budget.MAX_WATCHES_HELD", 30)
    monkeypatch.setattr(change_journal, "MAX_WATCHES", 40)
    greedy = ChangeJournal(_tree(tmp_path / "greedy", 26), is_watched, use_inotify=True)
    other = ChangeJournal(_tree(tmp_path / "other", 5), is_watched, use_inotify=True)
    try:
        assert greedy.watching and not other.watching, (greedy.reason, other.reason)
        greedy.close()
        edited = tmp_path / "other" / "src" / "lib.rs"
        edited.write_text("pub fn f() { let _changed = 1; }\n")
        assert str(edited) in other.refresh()  # seen by the walk that starts watching again
        assert other.watching, other.reason
        edited.write_text("pub fn f() { let _changed_again = 2; }\n")
        assert str(edited) in other.refresh()
    finally:
        greedy.close()
        other.close()
