"""Ninth red team: a journal that inotify tells what changed refreshed on the event loop every session
of the engine shares, and a directory moved into the tree is walked whole by that refresh. Project
code keeps a folder of 200,000 empty files where the walk does not go (`target/`) and renames it into
`src/` and back between calls: one rename, 2 s of a stalled loop on every call (measured). Now every
refresh runs on a worker thread, and the journal listens for the kernel's next event on the loop
again afterwards, so a quiet tree is still vouched for without a refresh (real files, real inotify)."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

from ra_mcp.workspace.change_journal import ChangeJournal
from ra_mcp.workspace.journal_walks import refreshed
from ra_mcp.workspace.pool import vouched
from ra_mcp.workspace.workspaces import is_watched
from tests.fast.test_change_journal import loop_turns


def test_a_directory_moved_in_is_walked_off_the_loop_and_the_journal_listens_again(tmp_path: Path) -> None:
    root = tmp_path / "crate"
    (root / "src").mkdir(parents=True)
    (root / "target" / "junk").mkdir(parents=True)
    (root / "src" / "main.rs").write_text("fn main() {}\n")
    (root / "target" / "junk" / "lib.rs").write_text("pub fn f() {}\n")
    for number in range(20):
        (root / "target" / "junk" / f"empty{number}").touch()
    asyncio.run(_moved_in(root))


async def _moved_in(root: Path) -> None:
    listing_threads: set[int] = set()

    def wanted(name: str) -> bool:
        if name.startswith("empty") or name == "lib.rs":
            listing_threads.add(threading.get_ident())
        return is_watched(name)

    journal = ChangeJournal(root, wanted)
    try:
        assert journal.watching, journal.reason
        assert not any("junk" in path for path in journal.files)
        await refreshed(journal)
        await loop_turns()
        assert vouched(journal), "a quiet tree is no longer vouched for after a refresh"
        listing_threads.clear()
        os.rename(root / "target" / "junk", root / "src" / "junk")
        await loop_turns()  # the loop hears the kernel's event
        assert not vouched(journal)
        changed = await refreshed(journal)
        assert str(root / "src" / "junk" / "lib.rs") in changed
        assert listing_threads, "the directory moved in was not walked"
        loop_thread = threading.get_ident()
        assert loop_thread not in listing_threads, "the directory moved in was walked on the event loop"
        await loop_turns()
        assert vouched(journal), "the journal does not listen for the next event after a refresh off the loop"
        (root / "src" / "main.rs").write_text("fn main() { let _edited = 1; }\n")
        await loop_turns()
        assert not vouched(journal)
        assert str(root / "src" / "main.rs") in await refreshed(journal)
    finally:
        journal.close()
