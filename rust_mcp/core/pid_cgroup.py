"""The process limit for a server run as root, where RLIMIT_NPROC does not hold: the kernel never
applies it to the global root user, in any user namespace. Root can make a pids cgroup instead:
one per sandbox, holding `pids.max`, which bubblewrap enters before it starts (a shell writes its
own pid into `cgroup.procs`, then execs bubblewrap, so every process of the sandbox is counted; see
sandbox_limits.limit_commands).

cgroup v2 (`/sys/fs/cgroup/rust-mcp/<id>`, with the pids controller enabled on the way) or v1's
pids hierarchy (`/sys/fs/cgroup/pids/rust-mcp/<id>`). Empty groups of finished sandboxes are removed
when the next one is made. Best effort: where no cgroup can be made, no process limit applies to a
root server (as before).
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from functools import cache
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")
GROUP_NAME = "rust-mcp"
SWEEP_AGE = 120.0  # a younger group may belong to a sandbox that is still starting


def _enable_pids(directory: Path) -> None:
    control = directory / "cgroup.subtree_control"
    if "pids" not in control.read_text().split():
        control.write_text("+pids")


@cache
def _base() -> Path | None:
    """Where this machine lets root make pids groups, or None."""
    if os.geteuid() != 0:
        return None
    try:
        v2 = CGROUP / "cgroup.controllers"
        if v2.exists() and "pids" in v2.read_text().split():
            _enable_pids(CGROUP)
            base = CGROUP / GROUP_NAME
            base.mkdir(exist_ok=True)
            _enable_pids(base)
            return base
        if (CGROUP / "pids" / "cgroup.procs").exists():
            base = CGROUP / "pids" / GROUP_NAME
            base.mkdir(exist_ok=True)
            return base
    except OSError:
        return None
    return None


def _sweep(base: Path) -> None:
    """Remove the groups of sandboxes that have ended (a group still in use refuses: EBUSY)."""
    now = time.time()
    with contextlib.suppress(OSError), os.scandir(base) as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False) and now - entry.stat().st_mtime > SWEEP_AGE:
                    os.rmdir(entry.path)


def new_pid_group(processes: int) -> Path | None:
    """A new pids group of at most `processes` tasks: the `cgroup.procs` file a process writes its
    pid into to enter it; None when no group can be made here."""
    base = _base()
    if base is None:
        return None
    _sweep(base)
    group = base / uuid.uuid4().hex[:16]
    try:
        group.mkdir()
        (group / "pids.max").write_text(str(processes))
    except OSError:
        with contextlib.suppress(OSError):
            group.rmdir()
        return None
    return group / "cgroup.procs"
