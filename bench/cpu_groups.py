"""CPU time of everything one side of a bench starts: a cpuacct cgroup (v1, as root) the side's
first process enters before it execs, so every descendant counts, also those killed or reaped by a
sandbox's own init (which getrusage(RUSAGE_CHILDREN) misses). Where no group can be made, the
seconds are NaN and the report says "?"."""

from __future__ import annotations

import contextlib
import math
import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

CPUACCT = Path("/sys/fs/cgroup/cpuacct")
ENTER = 'echo $$ > "$0" 2>/dev/null; exec "$@"'


class CpuGroup:
    def __init__(self, name: str) -> None:
        self.path: Path | None = CPUACCT / f"rust-mcp-bench-{name}-{os.getpid()}"
        try:
            self.path.mkdir(exist_ok=True)
        except OSError:
            self.path = None

    @property
    def procs(self) -> str:
        return str(self.path / "cgroup.procs") if self.path is not None else "/dev/null"

    def wrap(self, argv: Sequence[str]) -> tuple[str, ...]:
        """`argv` started inside the group."""
        return ("/bin/sh", "-c", ENTER, self.procs, *argv)

    def script(self, program: str) -> Path:
        """An executable file that runs `program` inside the group (for starters that take one path)."""
        handle, name = tempfile.mkstemp(prefix="cpu-group-", suffix=".sh")
        with os.fdopen(handle, "w") as script:
            script.write(f'#!/bin/sh\necho $$ > "{self.procs}" 2>/dev/null\nexec "{program}" "$@"\n')
        os.chmod(name, stat.S_IRWXU)
        return Path(name)

    def seconds(self) -> float:
        if self.path is None:
            return math.nan
        try:
            return int((self.path / "cpuacct.usage").read_text()) / 1e9
        except (OSError, ValueError):
            return math.nan

    def close(self) -> None:
        """Remove the group (once its processes are gone; a group still in use is left)."""
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.rmdir()
