"""Where the hovers right after a new session's first right hover spend their time (issue 23): ours
(`--engine off`, under bench.profiled) on a fresh copy of the ripgrep corpus, polled every 0.25 s
until the hover is right, then `--after` hovers in a row under cProfile (the server's event-loop
thread). Prints each hover's wall time, the named stages of bench.profile_calls and the functions
with the most time of their own.

    .venv/bin/python -m bench.after_first [--after 20] [--top 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pstats
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rust_mcp.dev import corpus

from . import truth as t
from .profile_calls import show
from .servers import Launch, base_env
from .sides import OurSide


async def after_first(after: int, top: int) -> None:
    env = base_env()
    with tempfile.TemporaryDirectory(prefix="rust-mcp-after-", ignore_cleanup_errors=True) as raw_scratch:
        scratch = Path(raw_scratch)
        root = corpus.copy(corpus.RIPGREP, scratch)
        out = scratch / "profile"
        argv = (
            sys.executable,
            "-m",
            "bench.profiled",
            "rust-analyzer-mcp",
            *("--root", str(root), "--engine", "off"),
        )
        repo = str(Path(__file__).resolve().parent.parent)
        env = {**env, "BENCH_PROFILE_OUT": str(out), "PYTHONPATH": repo}
        launch = Launch("profiled rust-analyzer-mcp", argv, env, root)
        peer = await launch.start(scratch / "logs")
        try:
            await peer.initialize()
            side = OurSide(peer, t.compute(root), "ours")
            while True:
                _, outcome = await side.ask("hover")
                if outcome == "right":
                    break
                await asyncio.sleep(0.25)
            right_at = time.perf_counter() - peer.started
            os.kill(peer.pid, signal.SIGUSR1)
            await asyncio.sleep(0.05)
            times = [(await side.ask("hover"))[0] * 1000 for _ in range(after)]
            os.kill(peer.pid, signal.SIGUSR2)
            path = Path(f"{out}.1")
            while not path.exists():
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.2)
            print(f"first right hover at {right_at:.2f} s; load {os.getloadavg()[0]:.2f}")
            print("hovers after it (ms):", " ".join(f"{x:.1f}" for x in times))
            stats = pstats.Stats(str(path))
            show("hovers after the first right one", stats, after, times, times, top, "analyzer")
            rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)  # type: ignore[attr-defined]
            median = statistics.median(times)
            print(f"   top {top} functions by own time per call (median hover {median:.2f} ms):")
            for (filename, line, name), (_, calls, own, _, _) in rows[:top]:
                where = "/".join(Path(filename).parts[-2:])
                print(f"   {own / after * 1000:8.3f} ms  {calls / after:6.1f}×  {name}  ({where}:{line})")
        finally:
            await peer.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.after_first")
    parser.add_argument("--after", type=int, default=20)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(after_first(args.after, args.top))


if __name__ == "__main__":
    main()
