"""What the sandbox's guards cost (limits: prlimit inside the sandbox and the /tmp size; the
unix-socket filter for builds and rust-analyzer; the socket walk before a test run), measured in one
run: the sandbox with them against the same sandbox without them (sandbox_cost.service(guards=False)).

1. A no-op `cargo check` on a warm fixture, interleaved, median of N.
2. The walk for socket files before a test run, on the fixtures and on the ripgrep corpus.
3. rust-analyzer's cold start on a fresh copy of the ripgrep corpus, interleaved, median of M.

Run: .venv/bin/python -m bench.guard_cost [--runs 30] [--cold-runs 3] [--walk DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import anyio

from bench.common import fixture_copy, median, ms
from bench.sandbox_cost import _one_check, cold_start, service
from rust_mcp.core.unix_sockets import find_sockets
from rust_mcp.dev.corpus import RIPGREP, copy

SIDES = ("guarded", "bare")


async def check_cost(runs: int) -> dict[str, list[float]]:
    root = fixture_copy("hello_bin")
    services = {side: service(root, "bwrap", guards=side == "guarded") for side in SIDES}
    times: dict[str, list[float]] = {side: [] for side in SIDES}
    for side in SIDES:  # warm: the build is done, the fetch stamps and caches filled
        await _one_check(services[side], root / "hello_bin")
    for run in range(runs):
        for side in SIDES if run % 2 == 0 else SIDES[::-1]:
            times[side].append(await _one_check(services[side], root / "hello_bin"))
    return times


def walk_cost(tree: Path, runs: int = 5) -> tuple[list[float], int, bool]:
    times, entries, complete = [], 0, True
    for _ in range(runs):
        scan = find_sockets([tree])
        times.append(scan.seconds)
        entries, complete = scan.entries, scan.complete
    return times, entries, complete


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--walk", type=Path, action="append", default=[], help="another tree to walk")
    args = parser.parse_args()

    times = anyio.run(check_cost, args.runs)
    added = median(times["guarded"]) - median(times["bare"])
    print(f"no-op `cargo check` (hello_bin, warm, bubblewrap), median of {args.runs}, interleaved")
    print(f"  sandbox without the guards                {ms(times['bare'])}")
    print(f"  sandbox with limits and socket filter     {ms(times['guarded'])}")
    print(f"  added by the guards                       {added * 1000:8.1f} ms")

    with tempfile.TemporaryDirectory(prefix="rust-mcp-bench-") as scratch:
        trees = [fixture_copy("hello_bin"), copy(RIPGREP, Path(scratch)), *args.walk]
        print("walk for unix sockets before a test run (median of 5)")
        for tree in trees:
            walked, entries, complete = walk_cost(tree)
            bound = "" if complete else "  (stopped at the bound: filter instead)"
            print(f"  {str(tree)[-40:]:<40}  {entries:>9,} entries  {ms(walked)}{bound}")

    cold: dict[str, list[float]] = {side: [] for side in SIDES}
    for run in range(args.cold_runs):
        for side in SIDES if run % 2 == 0 else SIDES[::-1]:
            total, _ = anyio.run(cold_start, "bwrap", side == "guarded")
            cold[side].append(total)
    change = (median(cold["guarded"]) / median(cold["bare"]) - 1) * 100
    print(f"rust-analyzer cold start, ripgrep corpus (fresh copy), median of {args.cold_runs}, interleaved")
    print(f"  sandbox without the guards                {ms(cold['bare'])}")
    print(f"  sandbox with limits and socket filter     {ms(cold['guarded'])}")
    print(f"  difference                                {change:+8.1f} %")


if __name__ == "__main__":
    main()
