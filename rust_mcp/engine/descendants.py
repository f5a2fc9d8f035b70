"""The engine's process tree, read from /proc: what `status` shows and what the engine kills on its
way out, so no rust-analyzer, proc-macro server or cargo outlives it."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from rust_mcp.core.proc_stat import proc_stat


@dataclass(frozen=True)
class Process:
    pid: int
    parent: int
    name: str
    rss_kb: int
    cwd: str


def _read(pid: int) -> Process | None:
    base = Path("/proc") / str(pid)
    stat = proc_stat(pid)
    if stat is None or stat.state == "Z":
        return None
    try:
        rss = 0
        for line in (base / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
        try:
            cwd = os.readlink(base / "cwd")
        except OSError:
            cwd = ""
        return Process(pid, stat.parent, stat.name, rss, cwd)
    except (OSError, ValueError, IndexError):
        return None


def descendants(root: int | None = None) -> list[Process]:
    """Every live process below `root` (default: this one), parents before children."""
    top = os.getpid() if root is None else root
    table = [p for entry in os.listdir("/proc") if entry.isdigit() and (p := _read(int(entry)))]
    children: dict[int, list[Process]] = {}
    for process in table:
        children.setdefault(process.parent, []).append(process)
    found: list[Process] = []
    stack = [top]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child.pid)
    return found


def kill_descendants(grace_seconds: float = 2.0) -> int:
    """SIGTERM everything below this process, then SIGKILL what is left after `grace_seconds`; the
    number of processes that were found."""
    found = descendants()
    for process in found:
        _signal(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline and descendants():
        time.sleep(0.05)
    for process in descendants():
        _signal(process.pid, signal.SIGKILL)
    return len(found)


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)
