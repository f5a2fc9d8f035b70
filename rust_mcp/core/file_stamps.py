"""A file's stamp: what tells a cache that a file (or a directory's listing) may have changed since
it was read. One kind for every cache of the core: inode, modification time and size, from one stat
that follows links; None when there is nothing to stat."""

from __future__ import annotations

import os
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
