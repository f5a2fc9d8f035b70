"""The change journal's work that may walk a whole tree, off the event loop every session of the
engine shares: making a workspace's journals (the first walk of the root and of the trees outside it
rust-analyzer loads, and of a tree a changed manifest names since), and a refresh that walks: every
refresh of a journal without inotify or with more directories than it may watch (17,000 directories
cost 0.4 s a refresh and 1.1 s to start, which project code can plant cheaply), and a watching
journal's fresh start after lost events (the queue overflowed) or a replaced root, or the walk of a
directory come into the tree. A refresh that only re-stats the files events name stays on the loop.
None is abandoned when its call is cancelled: the cancel waits for the worker thread, so (with the
workspace's one re-sync at a time) no two walks of one journal ever run at once, and journals made
for a start cancelled meanwhile reach the caller, which closes them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import anyio

from rust_mcp.core.cargo_projects import analyzer_walks_into as entered

from .change_journal import ChangeJournal
from .inotify import identity
from .outside_trees import followed as trees_followed


async def refreshed(journal: ChangeJournal) -> set[str]:
    """`journal.refresh()`: on the loop when it re-stats only the files inotify events name, else on
    a worker thread; the loop hears the journal's next event from when it is done."""
    if not walks_next(journal):
        return journal.refresh()
    journal.hearing.stop()  # the loop's reader, removed on the loop; `heard` stays set meanwhile
    try:
        return await anyio.to_thread.run_sync(journal.refresh)
    finally:
        journal.listen()


def walks_next(journal: ChangeJournal) -> bool:
    """Whether the journal's next refresh walks a tree (no inotify, events lost, the root replaced, a
    directory come in) rather than re-stat the files events name. Reads its queue: cheap on the loop."""
    if journal.fd is None:
        return True
    journal.pending.read(journal.fd)
    moved = identity(journal.root) != journal.root_identity
    return moved or journal.pending.walks(entered, journal.directories, journal.root)


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
