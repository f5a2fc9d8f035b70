"""Fast tier: a watching change journal's refresh walks off the event loop the engine's sessions share
whenever it walks (journal_walks.refreshed): the fresh start after inotify lost events (the queue
overflowed), after the root was replaced, and the walk of a directory moved into the tree; a refresh
that only re-stats the files events name stays on the loop. Real files, real inotify; afterwards the
view is what a fresh walk finds and the loop hears the journal's next event again."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from ra_mcp.workspace.change_journal import ChangeJournal
from ra_mcp.workspace.journal_walks import refreshed
from ra_mcp.workspace.pool import vouched
from ra_mcp.workspace.workspaces import is_watched
from tests.support import on_event_loop

pytestmark = pytest.mark.anyio


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def walks_seen(watched: ChangeJournal, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each walk the journal `watched` makes runs on the event loop's thread."""
    seen: list[bool] = []
    original = ChangeJournal._walk

    def walk(journal: ChangeJournal, top: str) -> set[str]:
        if journal is watched:
            seen.append(on_event_loop())
        return original(journal, top)

    monkeypatch.setattr(ChangeJournal, "_walk", walk)
    return seen


async def settled(journal: ChangeJournal, root: Path) -> set[str]:
    named = await refreshed(journal)
    assert journal.files == ChangeJournal(root, is_watched, use_inotify=False).files
    for _ in range(2):  # the loop polls the descriptor; an event would be heard by now
        await asyncio.sleep(0)
    assert vouched(journal)  # listening again, on the loop, with nothing heard
    return named


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write(tmp_path / "project/Cargo.toml", "[package]\n")
    write(tmp_path / "project/src/main.rs", "fn main() {}\n")
    write(tmp_path / "project/src/lib.rs", "pub fn f() {}\n")
    return tmp_path / "project"


async def test_the_walk_after_lost_events_is_off_the_loop(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = ChangeJournal(root, is_watched)
    assert journal.watching, journal.reason
    seen = walks_seen(journal, monkeypatch)
    limit = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    main, lib = root / "src/main.rs", root / "src/lib.rs"
    for tick in range(limit // 2 + 10):  # alternating, so the kernel cannot merge them: the queue overflows
        os.utime(main, ns=(tick, tick))
        os.utime(lib, ns=(tick, tick))
    added = write(root / "src/late.rs", "// after the overflow\n")
    assert str(added) in await settled(journal, root)
    assert journal.fresh_starts == 1 and journal.watching
    assert seen and not any(seen), seen
    journal.close()


async def test_a_replaced_root_and_a_directory_moved_in_are_walked_off_the_loop(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = ChangeJournal(root, is_watched)
    seen = walks_seen(journal, monkeypatch)
    moved = write(tmp_path / "elsewhere/tree/deep/m.rs", "// moved in whole\n").parent.parent
    moved.rename(root / "src/tree")
    assert str(root / "src/tree/deep/m.rs") in await settled(journal, root)
    assert seen == [False], seen
    root.rename(tmp_path / "old")
    write(root / "src/lib.rs", "// a new tree at the same path\n")
    await settled(journal, root)
    assert journal.fresh_starts == 1 and seen == [False, False], seen
    journal.close()


async def test_an_edit_is_refreshed_on_the_loop_without_a_walk(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = ChangeJournal(root, is_watched)
    seen = walks_seen(journal, monkeypatch)
    threads: list[bool] = []
    original = ChangeJournal.refresh

    def refresh(journal: ChangeJournal) -> set[str]:
        threads.append(on_event_loop())
        return original(journal)

    monkeypatch.setattr(ChangeJournal, "refresh", refresh)
    edited = write(root / "src/lib.rs", "pub fn f() { edited(); }\n")
    assert await settled(journal, root) == {str(edited)}
    assert threads == [True] and seen == []
    journal.close()
