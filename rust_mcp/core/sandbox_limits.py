"""Limits inside the sandbox: processes, memory and the private /tmp, per kind of run, and the note
that names a limit when a run hit it.

- Processes (tasks, threads included): RLIMIT_NPROC, set by `prlimit` inside the sandbox, after
  bubblewrap made its user namespace. The kernel counts it per user namespace, so it bounds what the
  sandbox itself starts, whatever else the operator runs. The kernel does not apply it to the
  global root user: a server run as root puts each sandbox in a pids cgroup instead (pid_cgroup.py).
- Memory: RLIMIT_DATA (private writable memory, what malloc and mmap of anonymous memory take) per
  process. Address-space reservations (PROT_NONE arenas, guard regions) do not count, so it does not
  break programs that reserve far more than they use, as RLIMIT_AS would.
- /tmp: bubblewrap's `--size` on the private tmpfs (RAM-backed: without it a test can fill memory).

Defaults are far above what real work takes (rust-analyzer takes 10 GB on a 100-crate workspace;
rustc and linkers several GB on big crates), scaled to the machine; the operator changes them with
--sandbox-processes, --sandbox-memory and --sandbox-tmp-size.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from typing import Literal

from .pid_cgroup import new_pid_group

RunKind = Literal["analyzer", "build", "project"]
RUN_KINDS: tuple[RunKind, ...] = ("analyzer", "build", "project")
GIB = 1 << 30
MIB = 1 << 20
_UNITS = {"": 1, "k": 1 << 10, "m": MIB, "g": GIB, "t": 1 << 40}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)
UNLIMITED = ("0", "off", "none", "unlimited")
PROCESS_FLAG = "--sandbox-processes"
MEMORY_FLAG = "--sandbox-memory"
TMP_FLAG = "--sandbox-tmp-size"


def physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 16 * GIB


@dataclass(frozen=True)
class SandboxLimits:
    """What one sandbox may use; None is no limit."""

    processes: int | None
    memory: int | None  # bytes per process
    tmp: int | None  # bytes in the private /tmp


@dataclass(frozen=True)
class LimitChoice:
    """The operator's flags (None: the default for each kind of run; 0: no limit)."""

    processes: int | None = None
    memory: int | None = None
    tmp: int | None = None

    def for_run(self, kind: RunKind) -> SandboxLimits:
        default = default_limits(kind)
        return SandboxLimits(
            processes=_chosen(self.processes, default.processes),
            memory=_chosen(self.memory, default.memory),
            tmp=_chosen(self.tmp, default.tmp),
        )


def _chosen(flag: int | None, default: int | None) -> int | None:
    if flag is None:
        return default
    return flag or None


def default_limits(kind: RunKind) -> SandboxLimits:
    """rust-analyzer may take most of the machine's memory (one process holds the whole workspace);
    a cargo run three quarters of it per process; every kind 64 tasks per CPU (at least 4,096) and
    1 GiB of /tmp."""
    ram = physical_memory()
    processes = max(4096, 64 * (os.cpu_count() or 1))
    if kind == "analyzer":
        return SandboxLimits(processes, max(8 * GIB, ram), GIB)
    return SandboxLimits(processes, max(4 * GIB, ram * 3 // 4), GIB)


def parse_size(text: str) -> int:
    """'512M', '4G', '1.5GiB', '1048576' -> bytes; 0/off/none/unlimited -> 0 (no limit)."""
    if text.strip().lower() in UNLIMITED:
        return 0
    match = _SIZE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a size; write e.g. 512M, 4G or 0 for no limit")
    return int(float(match[1]) * _UNITS[match[2].lower()])


def parse_count(text: str) -> int:
    if text.strip().lower() in UNLIMITED:
        return 0
    if not text.strip().isdigit():
        raise ValueError(f"{text!r} is not a number of processes; write e.g. 4096 or 0 for no limit")
    return int(text)


def describe_size(size: int) -> str:
    if size % GIB == 0:
        return f"{size // GIB} GiB"
    return f"{size / MIB:.0f} MiB"


def running_as_root() -> bool:
    return os.geteuid() == 0


def limit_commands(limits: SandboxLimits, prlimit: str | None) -> tuple[list[str], list[str]]:
    """(what runs before bubblewrap, what runs first inside it) to set the limits, each exec'ing the
    rest. An ordinary user: prlimit inside, so RLIMIT_NPROC counts the sandbox's own user namespace.
    Root (whom RLIMIT_NPROC does not bind): one shell before bubblewrap enters a pids cgroup and
    sets RLIMIT_DATA, which bubblewrap and everything in the sandbox inherit."""
    if not running_as_root():
        options = [f"--nproc={limits.processes}"] if limits.processes is not None else []
        options += [f"--data={limits.memory}"] if limits.memory is not None else []
        return [], [prlimit, *options, "--"] if options and prlimit is not None else []
    group = new_pid_group(limits.processes) if limits.processes is not None else None
    steps = ['echo $$ > "$0"'] if group is not None else []
    steps += [f"ulimit -d {limits.memory // 1024}"] if limits.memory is not None else []
    if not steps:
        return [], []
    return ["/bin/sh", "-c", " && ".join([*steps, 'exec "$@"']), str(group or "sh")], []


def find_prlimit() -> str | None:
    """util-linux's prlimit under /usr (the sandbox mounts /usr), or None."""
    found = shutil.which("prlimit", path="/usr/bin:/usr/sbin:/bin")
    return str(os.path.realpath(found)) if found and os.path.realpath(found).startswith("/usr/") else None


_MEMORY = re.compile(
    r"memory allocation of \d+ bytes failed|Cannot allocate memory|os error 12\b|std::bad_alloc|"
    r"out of memory|MemoryError",
    re.IGNORECASE,
)
_PROCESSES = re.compile(
    r"Resource temporarily unavailable|os error 11\b|fork: retry|failed to spawn thread|"
    r"Cannot fork|fork failed",
    re.IGNORECASE,
)
_TMP = re.compile(r"No space left on device|os error 28\b|ENOSPC", re.IGNORECASE)


def limit_notes(text: str, limits: SandboxLimits | None) -> list[str]:
    """For a run that failed: which sandbox limit its output says it hit, and the flag to change
    it. Nothing when the output shows none of the signs, or the run had no such limit."""
    if limits is None:
        return []
    notes = []
    if limits.memory is not None and _MEMORY.search(text):
        notes.append(
            f"A memory allocation failed: the sandbox allows each process {describe_size(limits.memory)} "
            f"of memory. If the work really needs more, the operator raises it with {MEMORY_FLAG}."
        )
    if limits.processes is not None and _PROCESSES.search(text):
        notes.append(
            f"Starting a process or thread failed: the sandbox allows {limits.processes} processes and "
            f"threads in all. If the work really needs more, the operator raises it with {PROCESS_FLAG}."
        )
    if limits.tmp is not None and _TMP.search(text):
        notes.append(
            f"A disk write failed for want of space: the sandbox's private /tmp holds "
            f"{describe_size(limits.tmp)} (the operator changes it with {TMP_FLAG}); if the write was "
            "not to /tmp, the disk itself is full."
        )
    return notes
