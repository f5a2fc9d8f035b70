"""Whether the process at the other end of the engine's socket is confined as the engine is.

The engine runs outside every sandbox, as the user. A front started inside one (an agent's shell in
Codex's or Claude Code's sandbox, a bubblewrap or container of its own) must not get a session
there: it would choose its own roots and sandbox mode and have the engine act for it outside its
sandbox. So both ends compare what the kernel says of the other (SO_PEERCRED's pid, then its
/proc entry): the same mount, network, user, pid and IPC namespaces, and no seccomp filter or
no-new-privileges flag the other lacks. A front that differs is served in its own process, inside
its own sandbox, as with `--engine off`; anything unreadable counts as different.
Standard library only: fronts import this.
"""

from __future__ import annotations

import os
import socket
import struct

NAMESPACES = ("mnt", "net", "user", "pid", "ipc")
STATUS_FIELDS = ("Seccomp", "NoNewPrivs")


def peer_credentials(connection: socket.SocketType) -> tuple[int, int, int]:
    """(pid, uid, gid) of the process at the other end of a unix socket (for a client: the
    process that listens)."""
    raw = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, gid = struct.unpack("3i", raw)
    return pid, uid, gid


def confinement(pid: int) -> dict[str, str]:
    """The namespaces and seccomp / no-new-privileges state of a process; OSError when unreadable."""
    found = {name: os.readlink(f"/proc/{pid}/ns/{name}") for name in NAMESPACES}
    with open(f"/proc/{pid}/status", encoding="utf-8") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in STATUS_FIELDS:
                found[name] = value.strip()
    missing = [name for name in STATUS_FIELDS if name not in found]
    if missing:
        raise OSError(f"/proc/{pid}/status has no {', '.join(missing)}")
    return found


def difference(pid: int, own: int | None = None) -> str | None:
    """Why process `pid` is not confined as this process (or `own`) is, or None when it is."""
    try:
        theirs, ours = confinement(pid), confinement(os.getpid() if own is None else own)
    except OSError as exc:
        return f"cannot read how pid {pid} is confined ({exc})"
    differing = [name for name in (*NAMESPACES, *STATUS_FIELDS) if theirs[name] != ours[name]]
    if not differing:
        return None
    said = ", ".join(f"{name} {theirs[name]} vs {ours[name]}" for name in differing)
    return f"pid {pid} is confined differently ({said})"
