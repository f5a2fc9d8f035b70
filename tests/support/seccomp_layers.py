"""A child process under N allow-everything seccomp filters (and no-new-privileges, which a filter
needs): two such processes differ only in how many filters they carry, as a front in an agent's
seccomp sandbox differs from an engine that itself runs under one (a container's default profile)."""

from __future__ import annotations

import subprocess
import sys

CHILD = r"""
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
class SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)
    ]
class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]
allow = (SockFilter * 1)(SockFilter(0x06, 0, 0, 0x7FFF0000))  # BPF_RET|BPF_K, SECCOMP_RET_ALLOW
program = SockFprog(1, allow)
assert libc.prctl(38, 1, 0, 0, 0) == 0  # PR_SET_NO_NEW_PRIVS
for _ in range(int(sys.argv[1])):
    assert libc.prctl(22, 2, ctypes.byref(program), 0, 0) == 0  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
print("ready", flush=True)
time.sleep(120)
"""


def filtered_child(filters: int) -> subprocess.Popen[str]:
    """A sleeping child under `filters` allow-everything filters, started once it says it is ready."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(filters)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child
