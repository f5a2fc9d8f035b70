"""Ninth red team: project code links a folder holding 200,000 empty files into the tree 16 times.
Every refresh lists the files behind each link again, and that listing ran on the event loop every
session of the engine shares (1.9 s a call, measured, for every session of every workspace). Now a
journal with links refreshes on a worker thread, and a refresh looks at a bounded number of names
behind links, of any name, not only the wanted ones it keeps."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from ra_mcp.workspace import linked_directories
from ra_mcp.workspace.change_journal import ChangeJournal
from ra_mcp.workspace.journal_walks import refreshed
from ra_mcp.workspace.workspaces import is_watched


def _planted(tmp_path: Path, names: int) -> Path:
    root, big = tmp_path / "crate", tmp_path / "big"
    (root / "src").mkdir(parents=True)
    big.mkdir()
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (big / "lib.rs").write_text("pub fn f() {}\n")
    for number in range(names):
        (big / f"junk{number}").touch()
    for number in range(3):
        (root / "src" / f"link{number}").symlink_to(big)
    return root


def test_a_refresh_looks_at_a_bounded_number_of_names_behind_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(linked_directories, "MAX_LINKED_ENTRIES", 50, raising=False)
    root = _planted(tmp_path, 300)
    looked_at: list[str] = []

    def wanted(name: str) -> bool:
        looked_at.append(name)
        return is_watched(name)

    journal = ChangeJournal(root, wanted, within=(tmp_path,))
    try:
        looked_at.clear()
        journal.refresh()
        behind_links = [name for name in looked_at if name.startswith("junk")]
        assert behind_links, "the linked folder was not listed at all"
        assert len(behind_links) <= 51, f"{len(behind_links)} names behind links looked at in one refresh"
    finally:
        journal.close()


def test_a_journal_with_links_is_refreshed_off_the_event_loop(tmp_path: Path) -> None:
    root = _planted(tmp_path, 5)
    listing_threads: set[int] = set()

    def wanted(name: str) -> bool:
        if name.startswith("junk"):
            listing_threads.add(threading.get_ident())
        return is_watched(name)

    journal = ChangeJournal(root, wanted, within=(tmp_path,))
    try:
        assert journal.watching and journal.linked.links, "the journal should watch and know the links"
        listing_threads.clear()
        loop_thread = threading.get_ident()  # asyncio.run runs its loop in this thread
        changed = asyncio.run(refreshed(journal))
        assert listing_threads, "the refresh did not list the files behind the links"
        assert loop_thread not in listing_threads, "the files behind links were listed on the event loop"
        assert str(root / "src" / "link0" / "lib.rs") in journal.files
        assert changed == set()
    finally:
        journal.close()
