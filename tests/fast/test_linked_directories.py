"""Eighth red team: rust-analyzer loads the files under a directory linked into the tree by their
names through the link, and hears of their changes only from us. The change journal (real files,
real inotify) lists them under those names, names an edit made behind the link, finds a link made
after it started, drops one removed, and never lists a link leading outside the allowed roots or
around itself."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from ra_mcp.workspace import linked_directories
from ra_mcp.workspace.change_journal import ChangeJournal
from ra_mcp.workspace.pool import vouched
from ra_mcp.workspace.workspaces import is_watched


def test_files_behind_a_linked_directory_are_listed_and_their_edits_named(tmp_path: Path) -> None:
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    root, shared = allowed / "crate", allowed / "shared"
    for folder in (root / "src", shared / "inner", outside):
        folder.mkdir(parents=True)
    (root / "src" / "main.rs").write_text("mod linked;\n")
    (shared / "mod.rs").write_text("pub mod inner;\n")
    (shared / "inner" / "mod.rs").write_text("pub fn f() {}\n")
    (outside / "secret.rs").write_text("// not listed\n")
    (root / "src" / "linked").symlink_to(shared)
    (root / "src" / "out").symlink_to(outside)
    (root / "src" / "loop").symlink_to(root)
    asyncio.run(_edits_behind_links_are_named(root, shared))


async def _edits_behind_links_are_named(root: Path, shared: Path) -> None:
    """Inside a running loop, where a journal with nothing to re-list vouches for its tree."""
    journal = ChangeJournal(root, is_watched, within=(root.parent,))
    try:
        linked = root / "src" / "linked"
        assert set(journal.files) == {
            str(root / "src" / "main.rs"),
            str(linked / "mod.rs"),
            str(linked / "inner" / "mod.rs"),
        }
        (shared / "inner" / "mod.rs").write_text("pub fn f() { g() }\n")  # behind the link: no event
        assert not vouched(journal)
        assert str(linked / "inner" / "mod.rs") in journal.refresh()
        (root / "src" / "later").symlink_to(shared / "inner")
        assert str(root / "src" / "later" / "mod.rs") in journal.refresh()
        os.unlink(linked)
        assert str(linked / "mod.rs") in journal.refresh()
        assert not any(path.startswith(str(linked)) for path in journal.files)
    finally:
        journal.close()


def test_without_allowed_roots_no_link_is_followed_and_the_journal_vouches(tmp_path: Path) -> None:
    root, shared = tmp_path / "crate", tmp_path / "shared"
    for folder in (root / "src", shared):
        folder.mkdir(parents=True)
    (root / "src" / "main.rs").write_text("mod linked;\n")
    (shared / "mod.rs").write_text("\n")
    (root / "src" / "linked").symlink_to(shared)

    async def made_in_a_loop() -> bool:
        journal = ChangeJournal(root, is_watched)
        try:
            return set(journal.files) == {str(root / "src" / "main.rs")} and vouched(journal)
        finally:
            journal.close()

    assert asyncio.run(made_in_a_loop())


def test_a_large_tree_behind_a_link_is_listed_only_so_far(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each refresh lists the linked trees on the event loop: bounded in directories and files."""
    monkeypatch.setattr(linked_directories, "MAX_LINKED_DIRECTORIES", 5)
    monkeypatch.setattr(linked_directories, "MAX_LINKED_FILES", 7)
    root, wide, deep = tmp_path / "crate", tmp_path / "wide", tmp_path / "deep"
    (root / "src").mkdir(parents=True)
    wide.mkdir()
    for number in range(20):
        (wide / f"m{number}.rs").write_text("\n")
    folder = deep
    for number in range(20):
        folder = folder / f"d{number}"
        folder.mkdir(parents=True)
        (folder / "mod.rs").write_text("\n")
    (root / "src" / "wide").symlink_to(wide)
    (root / "src" / "deep").symlink_to(deep)
    journal = ChangeJournal(root, is_watched, use_inotify=False, within=(tmp_path,))
    listed = [path for path in journal.files if "/src/wide/" in path or "/src/deep/" in path]
    assert 0 < len(listed) <= 7
    journal.close()
