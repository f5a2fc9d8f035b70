"""The trees outside a workspace root that rust-analyzer loads with it and must be told about: the
packages (path dependencies, patches, members) its manifests name outside the root but inside the
allowed roots, and theirs in turn (at most MAX_OUTSIDE_TREES). Each gets a change journal
of its own, so an edit there reaches rust-analyzer as one inside the root does (files.watcher is
"client": rust-analyzer hears of changes only from us). When a manifest changes, the trees are found
again (`followed`): one named since the start is watched from then on, one no longer named is not."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

from rust_mcp.core.cargo_projects import MANIFEST_NAME, project_files
from rust_mcp.core.file_stamps import Walk
from rust_mcp.core.named_places import dependency_paths

from .change_journal import ChangeJournal

MAX_OUTSIDE_TREES = 8
log = logging.getLogger(__name__)


def outside_trees(root: Path, files: Iterable[str], within: Sequence[Path]) -> list[Path]:
    """The directories named by the manifests among `files` (a journal's files under `root`) that lie
    outside `root` and inside `within`, and those their manifests name, outermost only."""
    walk = Walk()
    found: list[Path] = []
    manifests = [Path(path) for path in files if Path(path).name == MANIFEST_NAME]
    while manifests and len(found) < MAX_OUTSIDE_TREES:
        for place in dependency_paths(manifests.pop(0), walk):
            if place is None or place.is_relative_to(root) or root.is_relative_to(place):
                continue  # unresolvable, inside the root, or around it (not a tree of its own)
            if not (place / MANIFEST_NAME).is_file():
                continue  # a package's folder only: never a whole folder a manifest merely names
            if not any(place.is_relative_to(allowed) for allowed in within):
                continue  # outside what this server may read: rust-analyzer is not told of it
            if any(place.is_relative_to(tree) for tree in found) or len(found) >= MAX_OUTSIDE_TREES:
                continue
            found = [tree for tree in found if not tree.is_relative_to(place)] + [place]
            walked = project_files(place, lambda name: name == MANIFEST_NAME)
            manifests += [Path(entry.path) for entry in walked]
    return found


def followed(
    root: Path, journal: ChangeJournal, within: Sequence[Path], journals: Sequence[ChangeJournal]
) -> tuple[list[ChangeJournal], list[ChangeJournal]]:
    """The journals of the trees the manifests `journal` (of `root`) holds name now (outside_trees):
    those of `journals` whose tree is still named, and new ones, watching from now on, for trees named
    since (at a start, `journals` is empty: all are new); and the journals no longer named (for the
    caller to close). Should finding them fail, the journals stay as they were (none at a start): the
    re-sync or start that asked goes on."""
    try:
        trees = outside_trees(root, journal.files, within)
    except Exception:
        log.warning("the trees outside %s were not found", root, exc_info=True)
        return list(journals), []
    kept = {Path(each.root): each for each in journals if Path(each.root) in trees}
    dropped = [each for each in journals if Path(each.root) not in kept]
    now: list[ChangeJournal] = []
    try:
        for tree in trees:
            now.append(kept.get(tree) or ChangeJournal(tree, journal.wanted, within=within))
    except BaseException:  # none of the new ones is left watching
        for each in now:
            if each not in journals:
                each.close()
        raise
    return now, dropped
