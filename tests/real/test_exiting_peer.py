"""When the front may take an engine it cannot judge for an exiting one (confinement._exiting)
and connect again. A process releases its namespaces before it becomes a zombie; in that moment its
/proc state still says running while /proc/PID/ns is empty, and the front took the engine killed mid-call
for one "confined otherwise" (CI, 2026-12-07). The moment itself cannot be held still in a test; its two
ends can: a live process is judged, a zombie and a pid that is gone are exiting."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from rust_mcp.engine.confinement import _exiting, difference

pytestmark = pytest.mark.real


def test_a_live_process_is_judged_not_taken_for_exiting() -> None:
    assert not _exiting(os.getpid())
    assert difference(os.getpid()) is None


def test_a_zombie_and_a_gone_pid_are_exiting() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 30
    while not _exiting(child.pid) and time.monotonic() < deadline:  # exited, not yet waited for
        time.sleep(0.02)
    assert _exiting(child.pid)
    with pytest.raises(FileNotFoundError):  # what the front saw for the engine killed mid-call
        os.readlink(f"/proc/{child.pid}/ns/mnt")
    child.wait()
    assert _exiting(child.pid)
