"""Run one of our console scripts under cProfile, switched on and off from outside (bench only):
SIGUSR1 starts a fresh profile, SIGUSR2 stops it and writes it to $BENCH_PROFILE_OUT.N (N counts
from 1). The profile covers the event loop's thread, where the server does its work.

    BENCH_PROFILE_OUT=/tmp/p python -m bench.profiled rust-analyzer-mcp --root DIR
"""

from __future__ import annotations

import cProfile
import itertools
import os
import signal
import sys
from importlib.metadata import entry_points
from types import FrameType


def main() -> None:
    name, *arguments = sys.argv[1:]
    out = os.environ["BENCH_PROFILE_OUT"]
    numbers = itertools.count(1)
    current: list[cProfile.Profile] = []

    def start(signum: int, frame: FrameType | None) -> None:
        profiler = cProfile.Profile()
        current[:] = [profiler]
        profiler.enable()

    def stop(signum: int, frame: FrameType | None) -> None:
        if current:
            profiler = current.pop()
            profiler.disable()
            profiler.dump_stats(f"{out}.{next(numbers)}")

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    (script,) = entry_points(group="console_scripts", name=name)
    sys.argv = [name, *arguments]
    script.load()()


if __name__ == "__main__":
    main()
