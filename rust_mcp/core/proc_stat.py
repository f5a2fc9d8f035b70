"""/proc/PID/stat read one way (proc(5)), for every reader of a process's state, parent, group or
session: the group kill, the engine's process tree, its reaper and its socket-peer check. The command
name comes first in parentheses and may hold spaces and parentheses itself, so the fields are those
after the last `)`. Imports `os` only: the engine's fronts import this (through confinement.py), and
every module they import costs each new session's start."""

from __future__ import annotations

import os


class ProcStat:
    """The leading fields of one process's (or thread's) /proc/PID/stat."""

    __slots__ = ("group", "name", "parent", "session", "state")

    def __init__(self, name: str, state: str, parent: int, group: int, session: int) -> None:
        self.name = name  # the command name (any bytes but NUL; decoded with replacements)
        self.state = state  # R, S, D, T, Z (a zombie), X (dead), ...
        self.parent = parent
        self.group = group
        self.session = session

    @property
    def exited(self) -> bool:
        """A zombie or dead: exited, not yet (or never to be) waited for."""
        return self.state in ("Z", "X")


def proc_stat(pid: int) -> ProcStat | None:
    """Process `pid`'s stat, None when it is gone or its entry cannot be read or parsed."""
    try:
        fd = os.open(f"/proc/{pid}/stat", os.O_RDONLY | os.O_CLOEXEC)
        try:
            data = os.read(fd, 4096)  # the whole file, well under a page
        finally:
            os.close(fd)
        text = data.decode(errors="replace")
        start, end = text.index("("), text.rindex(")")
        fields = text[end + 1 :].split()
        return ProcStat(text[start + 1 : end], fields[0], int(fields[1]), int(fields[2]), int(fields[3]))
    except (OSError, ValueError, IndexError):
        return None
