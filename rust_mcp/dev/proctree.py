"""Process trees of the servers the bench starts: their CPU time (to wait until they are idle) and
ending them with everything they started (rust-analyzer puts its cargo runs in process groups of
their own, and our server starts rust-analyzer in a session of its own, so one killpg is not enough)."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of one live process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if fields[0] == "Z":
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks


def _table() -> dict[int, tuple[int, float]]:
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            table[int(entry.name)] = stat
    return table


def tree(roots: set[int]) -> dict[int, float]:
    """The live processes in `roots` and all their descendants, with their CPU seconds."""
    table = _table()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found: dict[int, float] = {}
    stack = list(roots)
    while stack:
        pid = stack.pop()
        if pid in found or pid not in table:
            continue
        found[pid] = table[pid][1]
        stack.extend(children.get(pid, []))
    return found


def tree_cpu_seconds(roots: set[int]) -> float:
    return sum(tree(roots).values())


def kill_tree(pid: int) -> None:
    """SIGKILL a process, its process group and every descendant, each by its own id."""
    members = tree({pid})
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    for member in members:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(member, signal.SIGKILL)
