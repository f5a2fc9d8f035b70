"""A file's stamp: what tells a cache that a file (or a directory's listing) may have changed since
it was read. One kind for every cache of both servers: inode, modification time and size, from one
stat that follows links; None when there is nothing to stat. `stamp_of` is the stamp the project
walk records (rust-analyzer-mcp's change journal), which also says whether the file can change
without an event for its own name."""

from __future__ import annotations

import os
import stat
from typing import NamedTuple


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
