"""What the kernel tells about one file: the stamp the project walk records for it (the core's
FileStamp, through a link to its target), and whether the file system it is on can change without an event
here (a network or FUSE file system). The change journal and the workspaces' re-sync use both."""

from __future__ import annotations

import ctypes
import os
import stat
import sys

from rust_mcp.core.file_stamps import FileStamp

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


def stamp_of(path: str) -> tuple[FileStamp | None, bool]:
    """The stamp the walk would record for `path` (None: the walk would not list it), and whether it
    can change without an event for its own name (a symbolic link, or a file with other hard links)."""
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
