"""The change journal's work that may walk a whole tree, off the event loop every session of the
engine shares: making a workspace's journals (the first walk of the root and of the trees outside it
rust-analyzer loads, and of a tree a changed manifest names since), and every refresh (one that walks
its tree on every call, with no inotify or more directories than it may watch: 17,000 directories
cost 0.4 s a refresh and 1.1 s to start, which project code can plant cheaply; a watching journal's
fresh start after lost events or a replaced root; one that inotify tells of a directory moved in,
which it walks whole; and the files behind linked directories, listed again on every refresh). None
is abandoned when its call is cancelled: the cancel waits for the worker thread, so (with the
workspace's one re-sync at a time) no two walks of one journal ever run at once, and journals made
for a start cancelled meanwhile reach the caller, which closes them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import anyio

from .change_journal import ChangeJournal
from .outside_trees import followed as trees_followed


async def refreshed(journal: ChangeJournal) -> set[str]:
    """`journal.refresh()` on a worker thread, then listening for the kernel's next event again on the
    loop. Even a journal that inotify tells what changed may walk on a refresh: a directory moved into
    the tree is walked whole (project code renames one of 200,000 files in and out between calls: 2 s
    a call on the loop every session of the engine shares), and the files behind directories linked
    into the tree are listed again on every refresh. The pool calls it only when an event was heard
    (pool.vouched), so the hop to a thread is paid only after a change."""
    journal.hearing.stop()  # on the loop: the thread neither touches the loop's reader nor arms one
    changed = await anyio.to_thread.run_sync(journal.refresh)  # cancelled: stays heard, refreshed next
    journal.listen()  # in the tick the thread handed back in: an event after its drain is heard
    return changed


async def made(
    root: Path, wanted: Callable[[str], bool], within: Sequence[Path]
) -> tuple[ChangeJournal, list[ChangeJournal]]:
    """The journal of `root` and those of the trees outside it, made on a worker thread (a cancel
    waits for them, then comes at the caller's next checkpoint)."""
    with anyio.CancelScope(shield=True):
        journals = await anyio.to_thread.run_sync(_made, root, wanted, within)
    return journals


async def followed(
    root: Path, journal: ChangeJournal, within: Sequence[Path], journals: Sequence[ChangeJournal]
) -> tuple[list[ChangeJournal], list[ChangeJournal]]:
    """outside_trees.followed (the journals of the trees the manifests name now, and those dropped) on a
    worker thread: a new tree's first walk is as long as any. A cancel waits for it, as for `made`."""
    with anyio.CancelScope(shield=True):
        found = await anyio.to_thread.run_sync(trees_followed, root, journal, within, journals)
    return found


def _made(
    root: Path, wanted: Callable[[str], bool], within: Sequence[Path]
) -> tuple[ChangeJournal, list[ChangeJournal]]:
    journal = ChangeJournal(root, wanted, within=within, configs_above=True)  # cargo runs in the root
    try:
        outside, _ = trees_followed(root, journal, within, [])  # the one way the outside ones are made
    except BaseException:
        journal.close()
        raise
    return journal, outside
