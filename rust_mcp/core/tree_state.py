"""The state of a project's files, as a value equal for equal files: what decides whether a finished
cargo run still answers (shared_runs.py). Every file under the workspace root (build output, VCS
data and node_modules skipped, but for the files the last builds read there: skipped_reads.py;
hidden directories walked, since `include!` and `#[path]` read from them) with its size,
modification and change times and inode; the directories that links in the
tree point to, the workspace's path dependencies outside the root, the directories of target sources
and build scripts its manifests name there, and the packages its cargo configuration names (`[patch]`,
`paths`), walked the same way when
they lie inside the server's allowed roots; the cargo configuration and rustup toolchain files of
the root and every directory above it, and cargo's home configuration. A file written, created,
removed or renamed gives another state.

Some trees get a state of their own each time, so their runs are never reused (right, if slower):
a tree larger than MAX_STAMPED files or MAX_EXTRA_ROOTS trees, a tree with a link or a path
dependency that cannot be resolved (a link loop, a NUL byte) or a directory the walk cannot list
(deeper than project_walk.MAX_WALK_DEPTH, or unreadable though searchable), and one leading outside
the allowed roots: this process never lists a directory the project only names (a link to `/` or to the
operator's home is not walked). Files outside these trees that a build reads (a build script's
`rerun-if-changed` or an `include!` pointing outside the workspace) are stamped when its records
name them inside the allowed roots (skipped_reads), else not followed.

A walk is remembered (KEPT_WALKS trees): what it stamped (every file and every directory it
listed), the links and path dependencies it resolved, and the state. The next call for the same
tree stamps those again and resolves those paths again instead of listing and parsing: when all
are as they were, no name was added, removed or renamed in any directory listed (each would
change its directory's times) and no file or link changed, so the state is the same. A walk is
remembered only when every time it stamped is older than RACY_NS before the walk began: a change
made in the same tick of the clock as a stamp could leave it as it was (git's "racily clean"
entries; COARSE_RACY_NS where no change time stamped has a fraction of a second, a file system
counting whole seconds), and such a tree is walked again until it has settled (`settle`, which
keeps the walk from before a run that changed nothing it stamps: one walk serves the run)."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

from .cargo_projects import MANIFEST_NAME, SKIP_DIRS
from .file_stamps import Stamps, Walk
from .named_places import CONFIG_NAMES, config_files, config_paths, dependency_paths
from .project_files import WalkedFile, walk_without_links
from .skipped_reads import records_elsewhere, skipped_reads

MAX_EXTRA_ROOTS = 32  # path dependencies and link targets outside the workspace walked, at most
MAX_STAMPED = 400_000  # files stamped, at most; a larger tree is never reused
KEPT_WALKS = 8  # trees whose last walk is remembered


@dataclasses.dataclass(frozen=True)
class _Walked:
    """A walk's state, and where its build records were read from and what they named (settle)."""

    state: str
    workspace: Path
    packages: tuple[Path, ...]
    reads: tuple[str, ...]
    stamps: Stamps | None = None  # its stamps, when the walk is remembered

    def reads_again(self) -> bool:  # the build records still name the files they named
        return skipped_reads(self.workspace, self.packages) == list(self.reads)


_walks: OrderedDict[Hashable, _Walked] = OrderedDict()
_walks_lock = threading.Lock()


def tree_state(
    root: Path, within: Sequence[Path] = (), lockfile: bool = True, newest: list[int] | None = None
) -> str:
    """A digest of the state of the project at `root` (a workspace root), walking the trees outside
    it that it names only inside `root` or the allowed roots `within`; without the workspace's
    Cargo.lock unless `lockfile` (a run that writes it, as cargo does, keeps its state); blocking
    (run off the loop). Given `newest` ([0]), also when the tree last changed: its first item becomes
    the latest change or modification time (ns) of a stamped file or of a directory walked (a file
    created, removed or renamed changes its directory's). The last walk of the tree, when it still
    holds (see the module's docstring), answers without a walk."""
    configs = config_files(root)
    key = _key(root, within, lockfile, configs)
    with _walks_lock:
        last = _walks.get(key)
    if last is not None and last.stamps is not None and last.stamps.holds():
        if newest is not None:
            newest[0] = max(newest[0], last.stamps.newest)
        return last.state
    begun = time.time_ns()
    walk = Walk()
    walked = _walked(root, within, lockfile, configs, walk)
    remembered = walk.remembered(begun) if walked is not None else None
    with _walks_lock:
        _walks.pop(key, None)
        if walked is not None and remembered is not None:
            _walks[key] = dataclasses.replace(walked, stamps=remembered)
            while len(_walks) > KEPT_WALKS:
                _walks.popitem(last=False)
    if newest is not None:
        newest[0] = max(newest[0], walk.newest[0])
    return walked.state if walked is not None else _never_equal(walk.digest)


def settle(root: Path, within: Sequence[Path] = (), lockfile: bool = True) -> None:
    """After a run, a walk as fresh as one made after it. A run writes build records (target/, not
    watched: skipped_reads) and may write Cargo.lock or make target/ (watched): the walk from before it
    is kept when it holds and the records name the same files, else the tree is walked. Blocking."""
    key = _key(root, within, lockfile, config_files(root))
    with _walks_lock:
        last = _walks.get(key)
    if last is not None and last.stamps is not None and last.reads_again() and last.stamps.holds():
        return
    with _walks_lock:
        _walks.pop(key, None)
    tree_state(root, within, lockfile)


def _key(root: Path, within: Sequence[Path], lockfile: bool, configs: list[str]) -> Hashable:
    return (str(root), tuple(str(place) for place in within), lockfile, tuple(configs))


def _walked(
    root: Path, within: Sequence[Path], lockfile: bool, configs: list[str], walk: Walk
) -> _Walked | None:
    """The tree at `root`, walked; None for a tree whose state is one of its own."""
    digest = walk.digest

    def entering(directory: str) -> None:
        walk.stamp(directory, into_state=False)

    walked: set[Path] = set()
    stamped = 0
    workspace = walk.resolve(root)
    if workspace is None:
        return None
    top = workspace
    packages: list[Path] = []
    allowed = (top, *within)
    skipped = "" if lockfile else str(top / "Cargo.lock")
    queue: list[Path | None] = [top, *config_paths(configs, allowed, walk)]
    while queue and len(walked) <= MAX_EXTRA_ROOTS:
        named = queue.pop(0)
        if named is None:
            return None  # a path the project named that cannot be resolved
        top = named
        if top in walked or any(top.is_relative_to(done) for done in walked):
            continue
        if not any(top.is_relative_to(place) for place in allowed):
            return None  # named by the project, outside what this server may read
        walked.add(top)
        digest.update(f"root {top}\n".encode("utf-8", "surrogateescape"))
        entries: list[WalkedFile] = []
        missed: list[str] = []
        listed = walk_without_links(
            top, lambda name: name not in SKIP_DIRS, lambda _: True, entering, missed.append
        )
        for entry in listed:
            entries.append(entry)
            if stamped + len(entries) > MAX_STAMPED:
                return None
        if missed:
            return None  # a directory not listed (too deep, unreadable): files a build reads unstamped
        stamped += len(entries)
        for entry in sorted(entries, key=lambda e: e.path):
            if entry.path == skipped:
                continue
            walk.stamp(entry.path)
            if entry.name == MANIFEST_NAME:
                packages.append(Path(entry.path).parent)
                queue += [
                    path
                    for path in dependency_paths(Path(entry.path), walk)
                    if path is None or not path.is_relative_to(top)
                ]
            elif entry.linked and os.path.isdir(entry.path):  # cargo reads through it; so does the state
                target = walk.resolve(Path(entry.path))
                if target is None or not target.is_relative_to(top):
                    queue.append(target)
    if any(path is None or not any(path.is_relative_to(done) for done in walked) for path in queue):
        return None  # more trees than MAX_EXTRA_ROOTS: not all followed
    if (reads := skipped_reads(workspace, packages, within)) is None:
        return None  # more build records than it reads
    if records_elsewhere(
        workspace, [*configs, *(str(p / ".cargo" / n) for p in packages for n in CONFIG_NAMES)]
    ):
        return None  # the build records are not where skipped_reads looks
    for path in (*reads, *configs):  # builds read these too
        walk.stamp(path)
    return _Walked(str(digest.hexdigest()), workspace, tuple(packages), tuple(reads))


def _never_equal(digest: Any) -> str:
    """A state no other call gets: for a tree too large to follow, whose runs are never reused."""
    digest.update(os.urandom(16))
    return str(digest.hexdigest())
