"""The kernel's inotify through libc (None where there is none), and whether the file system a path
is on can change without an inotify event here (a network or FUSE file system): what the change
journal watches with, and where it must walk instead."""

from __future__ import annotations

import ctypes
import os
import sys

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
