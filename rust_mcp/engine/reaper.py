"""The engine as the reaper of what its runs leave behind. A process a run started that daemonizes
(a build script forking twice, with a session of its own, under `--sandbox off`) leaves cargo's
process group, so the run's group kill misses it, and it used to be adopted by init and outlive the
engine. As a child subreaper (Linux's PR_SET_CHILD_SUBREAPER) the engine adopts such orphans
instead: they stay among its descendants, which the engine kills on its way out
(descendants.kill_descendants), and their exits are reaped here (`reap_adopted`), so no zombie
builds up in a long-lived engine.

Only adopted orphans are reaped, never a child the engine started itself: asyncio and subprocess
wait for those by pid, and a status taken from under them would read as a failure (or success). A
child the engine started is in the engine's session or leads a session of its own (cargo's runs
start one); an orphan from a daemon's double fork is in the session of the process that forked it.
An orphan still in the engine's own session (from a child that forked without leaving it) cannot be
told from the engine's own children: it is left as a zombie until the engine exits."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import sys
from pathlib import Path

from rust_mcp.core.proc_stat import proc_stat

logger = logging.getLogger("rust_mcp.engine")
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


def become_subreaper() -> bool:
    """Make this process the reaper of its orphaned descendants; False (logged) where the kernel
    has no such setting (not Linux, or older than 3.4) or refuses it."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        done = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError) as exc:
        logger.info("not a child subreaper (no prctl: %s): orphans of runs go to init", exc)
        return False
    if done != 0:
        reason = os.strerror(ctypes.get_errno())
        logger.info("not a child subreaper (%s): orphans of runs go to init", reason)
        return False
    return True


def _children(pid: int) -> set[int]:
    """The children of process `pid` (of every thread of it, as the kernel lists them per thread)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, ValueError):
            found.update(int(child) for child in (task / "children").read_text().split())
    return found


def _zombie_session(pid: int) -> int | None:
    """The session of zombie `pid`; None when it is not a zombie (or gone)."""
    stat = proc_stat(pid)
    return stat.session if stat is not None and stat.state == "Z" else None


def adopted_zombies() -> list[int]:
    """This process's exited children that it did not start (see the module's docstring)."""
    own = os.getsid(0)
    try:
        children = _children(os.getpid())
    except OSError:
        return []
    found = []
    for child in sorted(children):
        session = _zombie_session(child)
        if session is not None and session not in (own, child):
            found.append(child)
    return found


def reap_adopted() -> int:
    """Reap the exited orphans this process adopted; how many."""
    reaped = 0
    for pid in adopted_zombies():
        with contextlib.suppress(ChildProcessError):  # reaped meanwhile
            done, _ = os.waitpid(pid, os.WNOHANG)
            reaped += done == pid
    return reaped
