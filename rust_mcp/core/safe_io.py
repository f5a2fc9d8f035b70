"""Reading and writing files so that a symbolic link can never lead a read or a write somewhere else.

Paths inside the roots are under the agent's control: between the moment a path is checked and the
moment it is opened, a directory on the way, or the file itself, can be swapped for a link to /etc.
So every file the servers read or write for themselves is opened one component at a time from `/`,
never following a link (each step an `openat` with O_NOFOLLOW on the directory opened before), and
writes happen inside the directory opened that way: a temporary file created there with O_EXCL and
renamed over the name, which replaces a link rather than following it. A swap after the check makes
the open fail; it cannot redirect it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

from .errors import Refusal

PATH_FLAGS = os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC
READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # a FIFO must not block us
CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
NEW_DIRECTORY_MODE = 0o755
READ_CHUNK = 1024 * 1024


class LinkOnTheWay(Refusal):
    """A path goes through a symbolic link (or changed while we opened it), so it is not used."""


class NotAFile(Refusal):
    """The path names something other than a regular file (a link, a FIFO, a device, a directory)."""


class FileTooLarge(Refusal):
    """A file is over the size limit for what reads it; nothing of it was read."""


def open_without_links(path: Path, *, create_directories: bool = False) -> int:
    """An O_PATH descriptor for `path` (absolute, already resolved), opened component by component
    without following a symbolic link anywhere; with `create_directories`, missing directories on the
    way are made (inside the last one opened). The caller closes it."""
    if not path.is_absolute():
        raise ValueError(f"{path} is not absolute")
    current = os.open("/", PATH_FLAGS | os.O_DIRECTORY)
    try:
        for part in path.parts[1:]:
            try:
                following = os.open(part, PATH_FLAGS, dir_fd=current)
            except FileNotFoundError:
                if not create_directories:
                    raise
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, NEW_DIRECTORY_MODE, dir_fd=current)
                following = os.open(part, PATH_FLAGS, dir_fd=current)
            os.close(current)
            current = following
            if stat.S_ISLNK(os.fstat(current).st_mode):
                raise LinkOnTheWay(f"{path} goes through a symbolic link ({part}); it is not used")
    except FileNotFoundError:
        os.close(current)
        raise
    except OSError as exc:
        os.close(current)
        raise LinkOnTheWay(f"{path} cannot be opened without following links: {exc.strerror or exc}") from exc
    except BaseException:
        os.close(current)
        raise
    return current


@contextlib.contextmanager
def opened_directory(path: Path, *, create: bool = False) -> Iterator[int]:
    """The directory `path`, opened without following links, for the *_at functions below."""
    fd = open_without_links(path, create_directories=create)
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            raise LinkOnTheWay(f"{path} is not a directory")
        yield fd
    finally:
        os.close(fd)


def read_at(directory: int, name: str, limit: int, shown: Path) -> bytes | None:
    """The bytes of regular file `name` in the opened `directory`, or None when there is none. A
    link, FIFO or device is refused (NotAFile), as is a file over `limit` bytes (FileTooLarge)."""
    try:
        fd = os.open(name, READ_FLAGS, dir_fd=directory)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):
            raise NotAFile(f"{shown} is a symbolic link; it is not read") from exc
        raise
    with os.fdopen(fd, "rb", buffering=0) as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotAFile(f"{shown} is not a regular file; it is not read")
        if info.st_size > limit:
            raise FileTooLarge(f"{shown} is {info.st_size} bytes; files over {limit} bytes are not read")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = handle.read(min(READ_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    if size > limit:  # it grew while we read it
        raise FileTooLarge(f"{shown} grew over {limit} bytes while it was read; it is not read")
    return b"".join(chunks)


def read_without_links(path: Path, limit: int) -> bytes | None:
    """The bytes of the regular file at `path` (absolute, resolved), opened without following any
    link; None when it (or its directory) does not exist."""
    try:
        with opened_directory(path.parent) as directory:
            return read_at(directory, path.name, limit, path)
    except FileNotFoundError:
        return None


def mode_at(directory: int, name: str) -> int | None:
    """The permission bits of `name` in `directory` (not following a link), None when it is absent."""
    try:
        return stat.S_IMODE(os.stat(name, dir_fd=directory, follow_symlinks=False).st_mode)
    except FileNotFoundError:
        return None


def stage_at(directory: int, name: str, data: bytes, mode: int) -> str:
    """Write `data` to a new temporary file beside `name` in `directory`, flushed to disk, with
    `mode`; returns the temporary name, ready for replace_at."""
    while True:
        temporary = f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(temporary, CREATE_FLAGS, 0o600, dir_fd=directory)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fchmod(out.fileno(), mode)
            os.fsync(out.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=directory)
        raise
    return temporary


def replace_at(directory: int, temporary: str, name: str) -> None:
    """Rename `temporary` over `name` in `directory` (a link at `name` is replaced, not followed)."""
    os.rename(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)


def unlink_at(directory: int, name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name, dir_fd=directory)


def write_without_links(path: Path, data: bytes, default_mode: int = 0o644) -> None:
    """Replace the file at `path` (absolute, resolved) with `data` through a temporary file in its
    directory, opened without following links: readers see the old file or the new one."""
    with opened_directory(path.parent, create=True) as directory:
        mode = mode_at(directory, path.name)
        temporary = stage_at(directory, path.name, data, default_mode if mode is None else mode)
        try:
            replace_at(directory, temporary, path.name)
        except BaseException:
            unlink_at(directory, temporary)
            raise


def create_private_file(path: Path) -> int:
    """A new or emptied file at `path` that only the server's user can read (mode 0600), opened for
    writing without following a link at its name; returns the descriptor."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
    return fd
