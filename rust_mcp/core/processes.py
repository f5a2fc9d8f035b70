"""Child processes in their own process group, and killing a whole group so nothing is left behind."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path
from typing import Protocol

import anyio

from .proc_stat import proc_stat


def processes_in_group(pgid: int) -> list[int]:
    """Live (non-zombie) processes whose process group is `pgid`, read from /proc."""
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        stat = proc_stat(int(entry.name)) if entry.name.isdigit() else None
        if stat is not None and stat.state != "Z" and stat.group == pgid:
            found.append(int(entry.name))
    return found


class GroupLeader(Protocol):
    """A child started in a process group of its own (anyio's and asyncio's processes both are)."""

    @property
    def pid(self) -> int: ...

    @property
    def returncode(self) -> int | None: ...

    async def wait(self) -> int: ...


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def kill_process_group(
    process: GroupLeader, grace_seconds: float = 2.0, contained: bool = False
) -> None:
    """SIGTERM the process group led by `process`, then SIGKILL whatever is still alive after
    `grace_seconds`, and reap the leader. Safe to call when everything has already exited (it then
    kills the members left behind, such as a test's leaked child). The one way both servers kill.

    `contained`: the leader is the sandbox (bubblewrap with a pid namespace of its own, dying with its
    parent), so once it has exited the kernel has already killed everything started inside it.
    After an exit, that or an empty group ends it at once, without reading /proc (two scans of every
    process, most of what a no-op cargo check added)."""
    pgid = process.pid
    if process.returncode is not None and (contained or not _group_exists(pgid)):
        _signal_group(pgid, signal.SIGKILL)  # what is left is the sandbox's own exit, or nothing
        return
    with anyio.CancelScope(shield=True):
        _signal_group(pgid, signal.SIGTERM)
        with anyio.move_on_after(grace_seconds):
            while processes_in_group(pgid):
                await anyio.sleep(0.05)
        _signal_group(pgid, signal.SIGKILL)
        with anyio.move_on_after(grace_seconds):
            await process.wait()
        # members that outlive the leader are reparented to init; wait until they are gone
        with anyio.move_on_after(grace_seconds):
            while processes_in_group(pgid):
                _signal_group(pgid, signal.SIGKILL)
                await anyio.sleep(0.05)


def resident_mb(pids: list[int]) -> float:
    """Resident memory of these processes together, in MB (VmRSS from /proc)."""
    total_kb = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
                    break
        except (OSError, ValueError, IndexError):
            continue
    return total_kb / 1024
