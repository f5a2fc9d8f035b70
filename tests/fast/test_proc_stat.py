"""Fast tier: the one parser of /proc/PID/stat (rust_mcp.core.proc_stat), read by the group kill, the
engine's process tree, its reaper and its socket-peer check. A command name may hold spaces and
parentheses (a thread of this process named so here; no process started); a gone pid reads as None."""

from __future__ import annotations

import ctypes
import os
import threading
from pathlib import Path

from rust_mcp.core.proc_stat import ProcStat, proc_stat

PR_SET_NAME = 15  # linux/prctl.h: the calling thread's command name (15 bytes at most)


def test_a_name_with_parentheses_and_spaces_keeps_the_fields_after_it() -> None:
    read: list[ProcStat | None] = []

    def named() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_NAME, b"a) 1 2 (b", 0, 0, 0)
        read.append(proc_stat(threading.get_native_id()))

    thread = threading.Thread(target=named)
    thread.start()
    thread.join()
    stat = read[0]
    assert stat is not None
    assert stat.name == "a) 1 2 (b"
    assert (stat.parent, stat.group, stat.session) == (os.getppid(), os.getpgid(0), os.getsid(0))
    assert stat.state in ("R", "S") and not stat.exited


def test_this_process_and_a_pid_that_cannot_exist() -> None:
    own = proc_stat(os.getpid())
    assert own is not None and own.parent == os.getppid() and own.session == os.getsid(0)
    assert proc_stat(int(Path("/proc/sys/kernel/pid_max").read_text()) + 1) is None
