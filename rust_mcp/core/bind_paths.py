"""Opening a directory or file for the sandbox to mount, so that what is mounted is what was checked.

A path inside the roots is under the agent's control: between the moment we check that it lies
inside the roots and the moment bubblewrap mounts it, a directory on the way could be swapped for a
symbolic link to /etc. So each path is opened here one component at a time without following any
link, and the sandbox mounts the open descriptor (`--bind-fd`), not the path.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from .safe_io import LinkOnTheWay, open_without_links

__all__ = ["LinkOnTheWay", "OpenedPaths", "open_without_links"]


class OpenedPaths:
    """Descriptors opened for one sandboxed run; closed together once the child has started."""

    def __init__(self) -> None:
        self._fds: list[int] = []

    def open(self, path: Path) -> int:
        try:
            fd = open_without_links(path)
        except FileNotFoundError as exc:
            raise LinkOnTheWay(f"{path} vanished before it could be mounted") from exc
        self._fds.append(fd)
        return fd

    def data(self, name: str, content: bytes) -> int:
        """A descriptor holding `content` (an in-memory file) for bubblewrap's --ro-bind-data."""
        fd = os.memfd_create(name, os.MFD_CLOEXEC)
        self._fds.append(fd)
        os.write(fd, content)
        os.lseek(fd, 0, os.SEEK_SET)
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
