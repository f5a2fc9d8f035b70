"""Whether the process at the other end of the engine's socket is confined as the engine is.

The engine runs outside every sandbox, as the user. A front started inside one (an agent's shell in
Codex's or Claude Code's sandbox, a bubblewrap or container of its own) must not get a session
there: it would choose its own roots and sandbox mode and have the engine act for it outside its
sandbox. So both ends compare what the kernel says of the other (SO_PEERCRED's pid, then its
/proc entry): the same mount, network, user, pid and IPC namespaces, the same seccomp mode and
number of seccomp filters, and no no-new-privileges flag the other lacks. A front that differs is
served in its own process, inside its own sandbox, as with `--engine off`; anything unreadable
counts as different. The pid is judged only while the process that connected is known to hold it
(its pidfd, SO_PEERPIDFD, still names a live process after /proc was read): a confined process that
connects, hands the connection to a child and exits must not be judged by an unconfined process
that got its pid since. Not seen: Landlock (the kernel shows no other process's domain) and LSM
labels; a front confined only by those, beside an engine with the same no-new-privileges and
seccomp state, would be served by the engine.
Standard library only: fronts import this.
"""

from __future__ import annotations

import _socket as socket  # as in front.py: the socket module's enums cost milliseconds
import errno
import os
import struct

from rust_mcp.core.proc_stat import proc_stat

TYPE_CHECKING = False  # typing itself costs a front milliseconds
if TYPE_CHECKING:
    import signal
else:  # the signal module sets up enums: milliseconds of a front's start
    import _signal as signal

NAMESPACES = ("mnt", "net", "user", "pid", "ipc")
STATUS_FIELDS = ("Seccomp", "NoNewPrivs")
# how many seccomp filters (Linux 5.9): a front under one more filter than the engine shows the same
# `Seccomp: 2` when the engine itself runs filtered (a container's default profile)
COUNTED_FIELDS = ("Seccomp_filters",)
SO_PEERPIDFD = getattr(socket, "SO_PEERPIDFD", 77)  # Linux 6.5; Python 3.11 does not name it


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
            if name in STATUS_FIELDS or name in COUNTED_FIELDS:
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
    fields = (*NAMESPACES, *STATUS_FIELDS, *COUNTED_FIELDS)
    differing = [name for name in fields if theirs.get(name) != ours.get(name)]
    if not differing:
        return None
    said = ", ".join(f"{name} {theirs.get(name)} vs {ours.get(name)}" for name in differing)
    return f"pid {pid} is confined differently ({said})"


class PeerExited(Exception):
    """The process at the other end has exited: how it was confined cannot be told (for a front:
    the engine was exiting; connect again)."""


def peer_difference(connection: socket.SocketType) -> str | None:
    """Why the process at the other end of `connection` is not confined as this one is, or None;
    PeerExited when it has exited. Only the process that connected (or listened) is judged: its pid
    may be another process's by now."""
    pid = peer_credentials(connection)[0]
    gone = f"cannot tell how pid {pid} is confined: the process at the other end has exited"
    try:
        pidfd: int | None = connection.getsockopt(socket.SOL_SOCKET, SO_PEERPIDFD)
    except OSError as exc:
        if exc.errno != errno.ENOPROTOOPT:  # ESRCH: it has already exited
            raise PeerExited(gone) from exc
        pidfd = None  # a kernel before 6.5: judged by pid alone
    try:
        said = difference(pid)
        if said is not None and said.startswith("cannot read") and pidfd is not None and _exiting(pid):
            raise PeerExited(gone)  # killed as it was asked: its /proc entry is going
        if pidfd is not None:
            try:
                signal.pidfd_send_signal(pidfd, 0)
            except ProcessLookupError:
                raise PeerExited(gone) from None
        return said
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _exiting(pid: int) -> bool:
    """Whether `pid` is gone, a zombie, or on its way there: a process releases its namespaces before
    it becomes a zombie, so for a moment its state still says running while /proc/PID/ns is empty (an
    engine killed mid-call was judged "confined otherwise" in that moment, and the front gave up)."""
    stat = proc_stat(pid)
    if stat is None or stat.exited:
        return True
    try:
        os.readlink(f"/proc/{pid}/ns/{NAMESPACES[0]}")
    except FileNotFoundError:  # the link is listed, but leads nowhere any more
        return True
    except OSError:
        return False
    return False
