"""The ids git gives project files' contents as blobs, read behind the one door (project_files.py):
each directory opened without links once for all its files, a link hashed as its target's name."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

from .safe_io import FileTooLarge, LinkOnTheWay, NotAFile, opened_directory, read_at


def git_blob_id(path: Path, limit: int) -> str | None:
    """The id git gives this file's content as a blob (a symbolic link's blob is its target), read
    without following links; None when it is absent, not a regular file or link, or over `limit`
    bytes (the caller counts it as changed)."""
    return git_blob_ids([path], limit)[path]


def git_blob_ids(paths: list[Path], limit: int) -> dict[Path, str | None]:
    """git_blob_id for each of `paths`, each directory opened (without links) once for all its files."""
    found: dict[Path, str | None] = dict.fromkeys(paths)
    by_directory: dict[Path, list[Path]] = {}
    for path in paths:
        by_directory.setdefault(path.parent, []).append(path)
    for parent, files in by_directory.items():
        try:
            with opened_directory(parent) as directory:
                for path in files:
                    found[path] = _blob_id_at(directory, path, limit)
        except (FileNotFoundError, LinkOnTheWay):
            continue
    return found


def _blob_id_at(directory: int, path: Path, limit: int) -> str | None:
    try:
        try:
            data = read_at(directory, path.name, limit, path)
        except NotAFile:
            info = os.stat(path.name, dir_fd=directory, follow_symlinks=False)
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
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
