"""The leak finder of the real tier: a test (or a module's fixtures) must leave no process of its own
running below the pytest process once it is torn down. Processes held by the session's shared
servers (conftest's `cargo` and `ra`) are theirs until the session ends; everything else a test or a
module starts must be gone within a short grace period after its teardown. A leak fails the test
(an error at its teardown) naming the processes, which are then killed so the next tests start
clean."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

GRACE_SECONDS = 5.0  # a closed server's children may take a moment to exit and be reaped

# pids of processes a session-scoped fixture holds (and so may keep running between tests)
SESSION_HELD: set[int] = set()


def _parents() -> dict[int, int]:
    """Parent pid of every live, not-yet-reaped process."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":
            table[int(entry.name)] = int(fields[1])
    return table


def descendants(root: int | None = None) -> dict[int, int]:
    """Live descendants of `root` (default: this process), each with its parent."""
    top = os.getpid() if root is None else root
    parents = _parents()
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found: dict[int, int] = {}
    stack = list(children.get(top, []))
    while stack:
        pid = stack.pop()
        if pid not in found:
            found[pid] = parents[pid]
            stack.extend(children.get(pid, []))
    return found


def _under(pid: int, ancestors: set[int], tree: dict[int, int]) -> bool:
    """Whether `pid` is one of `ancestors` or below one of them in `tree` (pid -> parent)."""
    while pid in tree:
        if pid in ancestors:
            return True
        pid = tree[pid]
    return False


def new_processes(before: set[int]) -> dict[int, int]:
    """Descendants started since `before` was taken, other than those below a process that was
    already running then (a server the test shares starts its own children) or below one the
    session's fixtures hold."""
    tree = descendants()
    kept = before | SESSION_HELD
    return {pid: parent for pid, parent in tree.items() if not _under(pid, kept, tree)}


def left_running(before: set[int], grace: float = GRACE_SECONDS) -> dict[int, int]:
    """The new processes still alive after up to `grace` seconds."""
    deadline = time.monotonic() + grace
    while (left := new_processes(before)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def describe(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        command = "(gone)"
    return f"pid {pid}: {command.strip()[:200]}"


def kill(pids: set[int]) -> None:
    """SIGKILL each of `pids` (our own descendants), by id."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def report(where: str, left: dict[int, int]) -> str:
    lines = [describe(pid) for pid in sorted(left)]
    return (
        f"{where} left {len(left)} process(es) running below pytest after its teardown "
        f"(+{GRACE_SECONDS:.0f} s grace); they were killed:\n  " + "\n  ".join(lines)
    )


def hold_new(before: set[int]) -> None:
    """Called by a session fixture once its server runs: the processes started since `before` (and
    theirs) are the session's."""
    SESSION_HELD.update(set(descendants()) - before)
