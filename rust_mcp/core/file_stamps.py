"""A file's stamp: what tells a cache that a file (or a directory's listing) may have changed since
it was read. One kind for every cache of both servers: inode, modification time and size, from one
stat that follows links; None when there is nothing to stat. `stamp_of` is the stamp the project
walk records (rust-analyzer-mcp's change journal), which also says whether the file can change
without an event for its own name.

A walk's stamps (`Walk`, `Stamps`) tell that what was read from a tree still holds (tree_state.py's
remembered walks, and where a cargo call's project was found): every path's `walk_stamp` (size,
modification and change times, inode) hashed, and what paths resolved to. They are trusted only when
every time stamped is older than RACY_NS before they were taken: a change made in the same tick of
the clock as a stamp could leave it as it was (git's "racily clean" entries; COARSE_RACY_NS where no
change time has a fraction of a second, a file system counting whole seconds)."""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple


class FileStamp(NamedTuple):
    inode: int
    mtime_ns: int
    size: int


def file_stamp(path: str | os.PathLike[str]) -> FileStamp | None:
    """The stamp of `path` now, or None when it is missing or cannot be stat'ed."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return FileStamp(info.st_ino, info.st_mtime_ns, info.st_size)


def stamp_of(path: str) -> tuple[FileStamp | None, bool]:
    """The stamp the walk would record for `path` (None: the walk would not list it, as a directory),
    and whether it can change without an event for its own name (a symbolic link, or a file with other
    hard links)."""
    try:
        info = os.lstat(path)
    except OSError:
        return None, False
    if stat.S_ISDIR(info.st_mode):
        return None, False
    unwatched = info.st_nlink > 1
    if stat.S_ISLNK(info.st_mode):
        unwatched = True
        try:
            info = os.stat(path)
        except OSError:  # a dangling link: not listed now, but its target may appear
            return None, True
    return FileStamp(info.st_ino, info.st_mtime_ns, info.st_size), unwatched


MAX_REMEMBERED = 50_000  # paths a remembered walk stamps again, at most; a larger tree is walked
RACY_NS = 100_000_000  # a stamp this close to its walk is not trusted (a clock tick is <= 10 ms) ...
COARSE_RACY_NS = 2_000_000_000  # ... or this close, where no change time has a fraction of a second


def walk_stamp(path: str, newest: list[int] | None = None) -> bytes:
    """`path`'s size, times and inode (its first item of `newest` raised to its latest time, and a
    second item, if any, set when its change time has a fraction of a second: a fine clock)."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):  # ValueError: a NUL byte in a name a project file gave
        return f"{path}\0-\n".encode("utf-8", "surrogateescape")
    if newest is not None:
        newest[0] = max(newest[0], info.st_ctime_ns, info.st_mtime_ns)
        if len(newest) > 1 and info.st_ctime_ns % 1_000_000_000:
            newest[1] = 1
    stamp = f"{path}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ctime_ns}\0{info.st_ino}\n"
    return stamp.encode("utf-8", "surrogateescape")


def resolved(path: Path) -> Path | None:
    """`path` with its links resolved, or None when the project made that impossible (a link loop,
    a NUL byte, a name too long): such a state is never equal to another."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return None


@dataclass(frozen=True)
class Stamps:
    """What tells that what was read from a tree still holds (one walk's `state`, or where a call's
    project was found): the paths stamped (their stamps hashed to `stamps`) and the paths resolved,
    with what they resolved to."""

    state: str
    watched: tuple[str, ...]
    stamps: str
    resolutions: tuple[tuple[Path, Path | None], ...]
    newest: int

    def holds(self) -> bool:
        if any(resolved(path) != target for path, target in self.resolutions):
            return False
        check = hashlib.sha256()
        for path in self.watched:
            check.update(walk_stamp(path))
        return check.hexdigest() == self.stamps


@dataclass
class Walk:
    """What one walk saw, as it goes: the state's digest, and what `Stamps` checks."""

    digest: Any = field(default_factory=hashlib.sha256)
    check: Any = field(default_factory=hashlib.sha256)
    watched: list[str] = field(default_factory=list)
    resolutions: list[tuple[Path, Path | None]] = field(default_factory=list)
    newest: list[int] = field(default_factory=lambda: [0, 0])  # the latest time; a fine clock seen

    def stamp(self, path: str, into_state: bool = True) -> None:
        stamp = walk_stamp(path, self.newest)
        if into_state:
            self.digest.update(stamp)
        self.check.update(stamp)
        self.watched.append(path)

    def resolve(self, path: Path) -> Path | None:
        target = resolved(path)
        self.resolutions.append((path, target))
        return target

    def remembered(self, begun_ns: int) -> Stamps | None:
        racy = RACY_NS if self.newest[1] else max(RACY_NS, COARSE_RACY_NS)
        if self.newest[0] >= begun_ns - racy or len(self.watched) > MAX_REMEMBERED:
            return None
        state, stamps = self.digest.hexdigest(), self.check.hexdigest()
        return Stamps(state, tuple(self.watched), stamps, tuple(self.resolutions), self.newest[0])


def stamps_of(paths: Sequence[str], resolved: Sequence[Path] = ()) -> Stamps | None:
    """The stamps of `paths` and what `resolved` resolve to, to tell later that none changed; None
    when one changed too close to now to be trusted (RACY_NS). Blocking (run off the loop)."""
    begun = time.time_ns()
    walk = Walk()
    for path in paths:
        walk.stamp(path)
    for named in resolved:
        walk.resolve(named)
    return walk.remembered(begun)
