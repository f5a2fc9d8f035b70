"""The ids git gives project files' contents as blobs, read behind the one door (project_files.py):
each directory opened without links once for all its files, a link hashed as its target's name."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Mapping
from pathlib import Path

from .safe_io import FileTooLarge, LinkOnTheWay, NotAFile, opened_directory, read_at


def git_blob_id(path: Path, limit: int) -> str | None:
    """The id git gives this file's content as a blob (a symbolic link's blob is its target), read
    without following links; None when it is absent, not a regular file or link, or over `limit`
    bytes (the caller counts it as changed)."""
    return git_blob_ids([path], limit)[path]


def git_blob_ids(
    paths: list[Path], limit: int, sizes: Mapping[Path, int] | None = None, total: int | None = None
) -> dict[Path, str | None]:
    """git_blob_id for each of `paths`, each directory opened (without links) once for all its files.
    A regular file whose size is not the one `sizes` expects (git's blob of it) is not read: None, as
    it differs. With `total`, at most that many bytes are read in all; past it every file is None."""
    found: dict[Path, str | None] = dict.fromkeys(paths)
    by_directory: dict[Path, list[Path]] = {}
    for path in paths:
        by_directory.setdefault(path.parent, []).append(path)
    left = [limit * len(paths) if total is None else total]
    for parent, files in by_directory.items():
        try:
            with opened_directory(parent) as directory:
                for path in files:
                    expected = None if sizes is None else sizes.get(path)
                    found[path] = _blob_id_at(directory, path, limit, expected, left)
        except (FileNotFoundError, LinkOnTheWay):
            continue
    return found


def _blob_id_at(directory: int, path: Path, limit: int, expected: int | None, left: list[int]) -> str | None:
    try:
        info = os.stat(path.name, dir_fd=directory, follow_symlinks=False)
        if stat.S_ISREG(info.st_mode) and (
            (expected is not None and info.st_size != expected) or info.st_size > min(limit, left[0])
        ):
            return None  # a size that differs, or over what may still be read: not read
        try:
            data = read_at(directory, path.name, min(limit, left[0]), path)
        except NotAFile:
            if not stat.S_ISLNK(info.st_mode):
                return None
            data = os.readlink(path.name, dir_fd=directory).encode()
    except (FileNotFoundError, FileTooLarge):
        return None
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EISDIR, errno.ENXIO):
            return None
        raise
    if data is None:
        return None
    left[0] -= len(data)
    digest = hashlib.sha1(b"blob %d\0" % len(data), usedforsecurity=False)
    digest.update(data)
    return digest.hexdigest()
