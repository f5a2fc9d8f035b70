"""The one door to project files: every read, copy, hash, listing, creation or removal the server
process makes under a project tree goes through here (or the primitives of safe_io beneath it).

What the door guarantees, whatever the agent planted in the tree:
- every component of a path is opened with O_NOFOLLOW relative to the directory descriptor opened
  before it (safe_io.open_without_links), so a link anywhere on the way refuses the call;
- only regular files are read (O_NONBLOCK, then S_ISREG on the opened descriptor): a FIFO, a device,
  a socket or a link is refused by name, never waited on;
- every read has a size limit, checked on the descriptor and again while reading;
- a write or copy lands through a temporary file renamed inside the directory opened that way, so a
  link at the destination is replaced, never followed;
- from async code, the work runs off the event loop (`off_loop`) on its own bounded set of threads
  and within the call's deadline: a slow file system can cost its caller a refusal, never another
  call its answer.
git's blob ids of project files are read in git_blobs.py, behind the same door.
tests/fast/test_one_door.py fails on any other file-system call in the servers' source.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import anyio
from anyio.lowlevel import RunVar

from .errors import Refusal
from .file_stamps import FileStamp
from .git_blobs import git_blob_id, git_blob_ids
from .project_walk import MAX_WALK_DEPTH, WalkedFile, open_listing, walk_without_links
from .safe_io import (
    FileTooLarge,
    LinkOnTheWay,
    NotAFile,
    open_without_links,
    opened_directory,
    read_without_links,
    unlink_at,
    write_without_links,
)

__all__ = [
    "MAX_WALK_DEPTH",
    "DoorTimeout",
    "FileTooLarge",
    "LinkOnTheWay",
    "NotAFile",
    "WalkedFile",
    "copy_without_links",
    "git_blob_id",
    "git_blob_ids",
    "is_regular_file",
    "make_directories",
    "name_present",
    "off_loop",
    "read_text",
    "read_without_links",
    "remove_empty_directory",
    "remove_file",
    "walk_without_links",
    "write_without_links",
]

DOOR_THREADS = 8  # threads the door may hold at once, apart from anyio's default pool
DEFAULT_DEADLINE = 30.0  # seconds, for callers that have no deadline of their own
_limiter: RunVar[anyio.CapacityLimiter] = RunVar("project_files_limiter")
T = TypeVar("T")


class DoorTimeout(Refusal):
    """Reading project files took longer than the call may wait."""


def _threads() -> anyio.CapacityLimiter:
    try:
        return _limiter.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(DOOR_THREADS)
        _limiter.set(limiter)
        return limiter


async def off_loop(function: Callable[..., T], *args: object, deadline: float | None = None, what: str) -> T:
    """`function(*args)` on one of the door's threads, answered within `deadline` seconds (default
    DEFAULT_DEADLINE); past it the call is refused with DoorTimeout naming `what`, and the thread is
    left to finish on its own (it holds one of the door's threads, never one of anyio's)."""
    limit = DEFAULT_DEADLINE if deadline is None else max(deadline, 0.1)
    try:
        with anyio.fail_after(limit):
            return await anyio.to_thread.run_sync(function, *args, abandon_on_cancel=True, limiter=_threads())
    except TimeoutError as exc:
        raise DoorTimeout(
            f"{what} did not finish within {limit:g} s (a project file that is slow to read?); nothing "
            "was waited for past that"
        ) from exc


def read_text(path: Path, limit: int) -> str | None:
    """The UTF-8 text of the regular file at `path` (undecodable bytes replaced), read without
    following links; None when it does not exist. Raises NotAFile, FileTooLarge or LinkOnTheWay."""
    data = read_without_links(path, limit)
    return None if data is None else data.decode("utf-8", errors="replace")


def is_regular_file(path: Path) -> bool:
    """Whether `path` is a regular file reached without a link on the way (nothing is opened for reading)."""
    try:
        fd = open_without_links(path)
    except (OSError, LinkOnTheWay):
        return False
    try:
        return stat.S_ISREG(os.fstat(fd).st_mode)
    finally:
        os.close(fd)


def regular_file_stamp(path: Path) -> FileStamp | None:
    """The stamp of the regular file at `path` reached without a link on the way (nothing is opened
    for reading: a FIFO is never waited on); None for anything else, or nothing."""
    try:
        fd = open_without_links(path)
    except (OSError, LinkOnTheWay):
        return None
    try:
        info = os.fstat(fd)
    finally:
        os.close(fd)
    return FileStamp(info.st_ino, info.st_mtime_ns, info.st_size) if stat.S_ISREG(info.st_mode) else None


def name_present(path: Path) -> bool:
    """Whether anything (a file, a directory, a link) has the name `path`, its directory reached
    without a link on the way; what a link points to is not looked at."""
    try:
        with opened_directory(path.parent) as directory:
            os.stat(path.name, dir_fd=directory, follow_symlinks=False)
    except (OSError, LinkOnTheWay):
        return False
    return True


def copy_without_links(source: Path, destination: Path, limit: int) -> bool:
    """Copy the regular file `source` over `destination`, both opened without following links: the
    source must be a regular file of at most `limit` bytes, and the destination is replaced through a
    temporary file renamed in its directory (a link planted at its name is replaced, not written
    through). When the source does not exist, the destination is removed. Returns whether it copied."""
    data = read_without_links(source, limit)
    if data is None:
        remove_file(destination)
        return False
    write_without_links(destination, data)
    return True


def remove_file(path: Path) -> None:
    """Remove the name `path` (a file or a link, never what a link points to) from its directory,
    opened without following links; nothing when it, or its directory, is absent."""
    try:
        with opened_directory(path.parent) as directory:
            unlink_at(directory, path.name)
    except FileNotFoundError:
        pass


def remove_empty_directory(path: Path) -> bool:
    """Remove the directory `path` when it is empty (its parent opened without following links; a
    link at its name is not removed); whether it was removed."""
    try:
        with opened_directory(path.parent) as directory:
            os.rmdir(path.name, dir_fd=directory)
    except (OSError, LinkOnTheWay):
        return False
    return True


def make_directories(path: Path) -> None:
    """Create `path` and the directories missing on the way, never through a link (LinkOnTheWay)."""
    with opened_directory(path, create=True):
        pass


@dataclass(frozen=True)
class ListedEntry:
    name: str
    is_directory: bool  # a real directory (a link to one is not)
    is_file: bool  # a regular file (a link to one is not)


def list_directory(directory: Path) -> list[ListedEntry]:
    """The entries of `directory`, reached component by component without a link on the way and
    listed through its own descriptor; links are never taken for what they point at."""
    listing = open_listing(directory)
    try:
        with os.scandir(listing) as entries:
            return [
                ListedEntry(e.name, e.is_dir(follow_symlinks=False), e.is_file(follow_symlinks=False))
                for e in entries
            ]
    finally:
        os.close(listing)
