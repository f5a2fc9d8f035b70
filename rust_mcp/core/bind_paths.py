"""Opening a directory or file for the sandbox to mount, so that what is mounted is what was checked.

A path inside the roots is under the agent's control: between the moment we check that it lies
inside the roots and the moment bubblewrap mounts it, a directory on the way could be swapped for a
symbolic link to /etc. So each path is opened here one component at a time without following any
link, and the sandbox mounts the open descriptor (`--bind-fd`), not the path.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from .errors import Refusal

OPEN_FLAGS = os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC


class LinkOnTheWay(Refusal):
    """A path to mount goes through a symbolic link (or changed while we opened it)."""


def open_without_links(path: Path) -> int:
    """An O_PATH descriptor for `path` (absolute, already resolved), opened component by component
    without following a symbolic link anywhere. The caller closes it."""
    if not path.is_absolute():
        raise ValueError(f"{path} is not absolute")
    current = os.open("/", OPEN_FLAGS | os.O_DIRECTORY)
    try:
        for part in path.parts[1:]:
            following = os.open(part, OPEN_FLAGS, dir_fd=current)
            os.close(current)
            current = following
            if stat.S_ISLNK(os.fstat(current).st_mode):
                raise LinkOnTheWay(f"{path} goes through a symbolic link ({part}); it is not mounted")
    except OSError as exc:
        os.close(current)
        raise LinkOnTheWay(f"{path} cannot be opened for the sandbox: {exc.strerror or exc}") from exc
    except BaseException:
        os.close(current)
        raise
    return current


class OpenedPaths:
    """Descriptors opened for one sandboxed run; closed together once the child has started."""

    def __init__(self) -> None:
        self._fds: list[int] = []

    def open(self, path: Path) -> int:
        fd = open_without_links(path)
        self._fds.append(fd)
        return fd

    @property
    def fds(self) -> tuple[int, ...]:
        return tuple(self._fds)

    def close(self) -> None:
        for fd in self._fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds.clear()

    def __iter__(self) -> Iterator[int]:
        return iter(self._fds)
