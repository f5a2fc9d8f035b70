"""The kernel's inotify through libc (None where there is none), its event bits, whether the file
system a path is on can change without an inotify event here (a network or FUSE file system), and
the event loop hearing an inotify descriptor's next event (`Hearing`), and the events read but not yet
applied (`Pending`): what the change journal watches with, where it must walk instead, how a warm call
knows nothing changed, and whether applying what was heard walks a tree (then off the event loop)."""

from __future__ import annotations

import asyncio
import ctypes
import os
import struct
import sys
from collections.abc import Callable, Mapping

# the kernel's event bits (linux/inotify.h) and the masks the change journal watches and reads with
IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE = 0x2, 0x4, 0x8
IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x40, 0x80, 0x100, 0x200
IN_DELETE_SELF, IN_MOVE_SELF, IN_UNMOUNT, IN_Q_OVERFLOW, IN_IGNORED = 0x400, 0x800, 0x2000, 0x4000, 0x8000
IN_ONLYDIR, IN_DONT_FOLLOW, IN_EXCL_UNLINK, IN_ISDIR = 0x01000000, 0x02000000, 0x04000000, 0x40000000
CONTENT_CHANGES = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE
ENTRY_CHANGES = IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF
WATCH_MASK = CONTENT_CHANGES | ENTRY_CHANGES | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK
WRITTEN = IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO  # new contents, whatever the stamp says
DIRECTORY_GONE = IN_DELETE | IN_MOVED_FROM
DIRECTORY_NEW = IN_CREATE | IN_MOVED_TO | IN_ATTRIB  # ATTRIB: permissions may let the walk in now
EVENT_HEADER = struct.Struct("iIII")  # wd, mask, cookie, length of the name that follows
READ_SIZE = 64 * 1024

# statfs f_type of file systems where another machine (or a VM's host) can change files without an
# event here (linux/magic.h)
REMOTE_FILE_SYSTEMS = {
    0x6969: "NFS",
    0x517B: "SMB",
    0xFF534D42: "CIFS",
    0xFE534D42: "SMB2",
    0x65735546: "FUSE (virtiofs, sshfs)",
    0x01021997: "9p",
    0x00C36400: "Ceph",
    0x5346414F: "AFS",
    0x73757245: "Coda",
    0x786F4256: "VirtualBox shared folder",
}


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.inotify_init1, libc.inotify_add_watch, libc.inotify_rm_watch  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


LIBC = _libc()


def remote_file_system(path: str) -> str | None:
    """The name of the file system `path` is on when its changes may come from elsewhere (see above)."""
    if LIBC is None:
        return "unknown"
    buffer = ctypes.create_string_buffer(256)  # struct statfs; f_type (a C long) comes first
    if LIBC.statfs(os.fsencode(path), buffer) != 0:
        return None  # gone or unreadable: the walk skips it as well
    kind = ctypes.c_long.from_buffer(buffer).value & 0xFFFFFFFF
    return REMOTE_FILE_SYSTEMS.get(kind)


def identity(path: str) -> tuple[int, int] | None:
    """The device and inode `path` leads to (None when gone): a watched root replaced (its folder or
    one above renamed) raises no event on the watches."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def drained(fd: int) -> list[tuple[int, int, str]] | None:
    """Every event queued on the non-blocking inotify descriptor `fd` as (wd, mask, name); None when
    events were lost (the queue overflowed, or a file system was unmounted). OSError when unreadable."""
    events: list[tuple[int, int, str]] = []
    while True:
        try:
            data = os.read(fd, READ_SIZE)
        except BlockingIOError:
            return events
        offset = 0
        while offset < len(data):
            wd, mask, _cookie, length = EVENT_HEADER.unpack_from(data, offset)
            start = offset + EVENT_HEADER.size
            name = os.fsdecode(data[start : start + length].rstrip(b"\0"))
            offset = start + length
            if mask & (IN_Q_OVERFLOW | IN_UNMOUNT):
                return None
            events.append((wd, mask, name))


class Hearing:
    """Whether an inotify descriptor may have news (`heard`), known without a system call: set by the
    running event loop at the kernel's next event after `listen` (the reader stops there; the events
    wait in the kernel's queue for whoever reads them). The kernel queues an event inside the writer's
    own call, so every loop iteration begun after a change hears it, and a request made after the change
    is read in such an iteration and handled in a later one. Without a loop or a descriptor, or when
    the caller cannot tell from events alone, `heard` stays set."""

    def __init__(self) -> None:
        self.heard = True
        self._loop: asyncio.AbstractEventLoop | None = None
        self._fd: int | None = None

    def listen(self, fd: int | None, *, can_tell: bool) -> None:
        self.stop()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if fd is not None and can_tell:
            loop.add_reader(fd, self.stop)  # the next event: heard, and no more readings until read
            self._loop, self._fd, self.heard = loop, fd, False

    def stop(self) -> None:
        if self._loop is not None and self._fd is not None:
            self._loop.remove_reader(self._fd)
        self._loop, self._fd, self.heard = None, None, True


class Pending:
    """The events read from an inotify descriptor and not yet applied (`events`), or why they cannot be
    (`lost`: the queue overflowed; `failure`: the descriptor could not be read). Reading is one
    non-blocking `read`, cheap on the event loop, which can then tell whether applying them walks."""

    def __init__(self) -> None:
        self.events: list[tuple[int, int, str]] = []
        self.lost = False
        self.failure: str | None = None

    def read(self, fd: int) -> None:
        if self.lost or self.failure is not None:
            return  # the next refresh starts afresh whatever else is queued
        try:
            events = drained(fd)
        except OSError as exc:
            self.failure = f"reading inotify events failed: {exc.strerror}"
            return
        if events is None:
            self.lost, self.events = True, []
        else:
            self.events += events

    def walks(self, entered: Callable[[str], bool], directories: Mapping[int, str], root: str) -> bool:
        """Whether applying them walks more than the files they name: a fresh start (events lost, the
        root gone), or a directory come into the tree (`directories`: the tree's watches; `entered`
        says which names are walked)."""
        return (
            self.lost
            or self.failure is not None
            or any(
                (wd in directories and mask & IN_ISDIR and mask & DIRECTORY_NEW and entered(name))
                or (mask & (IN_DELETE_SELF | IN_MOVE_SELF) and directories.get(wd) == root)
                for wd, mask, name in self.events
            )
        )
