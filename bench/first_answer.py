"""The very first session (issue 23): from spawning rust-analyzer-mcp on a fresh copy of the ripgrep
corpus (no target/, `cargo fetch` done) to its first right hover, ours against the Rust anchor,
interleaved in one run, and how fast the hovers in the minute after it are.

Two ways of asking are reported side by side, because they gave different answers:

- **polled every 0.25 s** (issue 23's measurement): the client asks, and 0.25 s after any answer
  that is not right asks again;
- **polled every 0.1 s** (`bench.compare`'s cold row).

Right is `bench.truth`'s: the hover names the declaration, its module path and its doc's first
line. After the first right answer the same hover is asked `--after` more times in a row (the
calls in the minute after it) and every one is judged; their median is reported.

    .venv/bin/python -m bench.first_answer [--runs 3] [--interval 0.25 --interval 0.1] [--after 20]

On a shared machine the load moves between one side's run and the next by more than the
difference measured; `--together` starts every side of a run at the same moment (each on its own
copy), so the sides of one run meet the same load (and each other), and prints each side's ratio
to the anchor run by run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from rust_mcp.dev import corpus

from . import truth as t
from .report import Report, counted, ratio, seconds
from .servers import Launch, anchor_analyzer, base_env, our_analyzer
from .sides import AnchorSide, OurSide, Side
from .wire import McpPeer

TIMEOUT = 600.0
SIDES = ("anchor", "ours")
PLAIN_ANCHOR = "anchor (no std sources)"  # as a user starts it where the toolchain has no rust-src


@dataclass
class FirstAnswer:
    right_at: float | None = None  # seconds from spawn
    before: Counter[str] = field(default_factory=Counter)  # outcomes before the first right one
    after_ms: list[float] = field(default_factory=list)  # the hovers after it, each
    after_wrong: Counter[str] = field(default_factory=Counter)  # any of those not right
    load: tuple[float, float] = (0.0, 0.0)  # the 1-minute load average at the start and the end
    check_at: float | None = None  # seconds from spawn: rust-analyzer's own check first seen running

    @property
    def after_check(self) -> float | None:
        """From rust-analyzer's check starting (it starts once rust-analyzer is quiescent) to the
        first right hover: the part its cold check runs beside."""
        if self.right_at is None or self.check_at is None:
            return None
        return self.right_at - self.check_at


def check_running(root: Path) -> bool:
    """Whether rust-analyzer's own check of `root` runs: a `cargo check` of its manifest without the
    `--quiet` of rust-analyzer's build-script run, seen in /proc (the sandbox binds paths as they are)."""
    manifest = str(root / "Cargo.toml").encode()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            argv = Path(entry.path, "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (
            argv[0].endswith(b"cargo")
            and argv[1:2] == [b"check"]
            and manifest in argv
            and b"--quiet" not in argv
        ):
            return True
    return False


async def watch_check(root: Path, started: float, result: FirstAnswer) -> None:
    while result.check_at is None:
        if await asyncio.to_thread(check_running, root):
            result.check_at = time.perf_counter() - started
        await asyncio.sleep(0.1)


def launch_of(
    who: str, root: Path, env: Mapping[str, str], before_bin: Path | None
) -> tuple[Launch, Callable[[McpPeer, t.Truth], Side]]:
    """The anchor (in the bench's environment, or without RUST_SRC_PATH); ours from this checkout;
    `ours (before)`: ours from another checkout's venv."""
    if who in ("anchor", PLAIN_ANCHOR):
        if who == PLAIN_ANCHOR:  # RUST_SRC_PATH at an empty directory: as if rust-src were not installed
            nowhere = root.parent / "no-std-sources"
            nowhere.mkdir(exist_ok=True)
            env = {**env, "RUST_SRC_PATH": str(nowhere)}
            launch = replace(anchor_analyzer(root, env), label="anchor rust-analyzer-mcp plain")
        else:
            launch = anchor_analyzer(root, env)
        return launch, lambda p, truth: AnchorSide(p, truth, who)
    launch = our_analyzer(root, env)
    if who == "ours (before)" and before_bin is not None:
        launch = replace(
            launch, label="our rust-analyzer-mcp before", argv=(str(before_bin), *launch.argv[1:])
        )
    return launch, lambda p, truth: OurSide(p, truth, who)


async def one_run(
    who: str, interval: float, after: int, env: Mapping[str, str], logs: Path, before_bin: Path | None
) -> FirstAnswer:
    result = FirstAnswer()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="rust-mcp-first-", ignore_cleanup_errors=True) as scratch:
        root = corpus.copy(corpus.RIPGREP, Path(scratch))
        truth = t.compute(root)
        launch, make_side = launch_of(who, root, env, before_bin)
        peer = await launch.start(logs)
        watcher = asyncio.create_task(watch_check(root, peer.started, result))
        try:
            await peer.initialize()
            side = make_side(peer, truth)
            while time.perf_counter() - peer.started < TIMEOUT:
                _, outcome = await side.ask("hover")
                if outcome == "right":
                    result.right_at = time.perf_counter() - peer.started
                    break
                result.before[outcome] += 1
                await asyncio.sleep(interval)
            if result.right_at is not None:
                for _ in range(after):
                    took, outcome = await side.ask("hover")
                    result.after_ms.append(took * 1000)
                    if outcome != "right":
                        result.after_wrong[outcome] += 1
        finally:
            watcher.cancel()
            await peer.close()
    result.load = (load_before, os.getloadavg()[0])
    return result


def median_or_none(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def milliseconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} ms"


async def run(args: argparse.Namespace) -> Path:
    env = base_env()
    sides = (
        *SIDES,
        *((PLAIN_ANCHOR,) if args.plain_anchor else ()),
        *(("ours (before)",) if args.before else ()),
    )
    report = Report("first right hover on a fresh copy (issue 23), ours against the Rust anchor")
    std = env.get("RUST_SRC_PATH", "(unset: the toolchain's rust-src)")
    report.note(f"RUST_SRC_PATH for every side but '{PLAIN_ANCHOR}': {std}")
    if args.before:
        report.note(f"ours (before): {args.before}; the 'ours' column in the table is this checkout")
    if args.together:
        report.note("--together: the sides of each run started at the same moment, each on its own copy")
    logs = Path(tempfile.mkdtemp(prefix="rust-mcp-first-logs-"))
    results: dict[tuple[float, str], list[FirstAnswer]] = {}
    for number in range(args.runs):
        for interval in args.interval:
            order = sides[number % len(sides) :] + sides[: number % len(sides)]  # interleaved, in turn
            if args.together:
                starts = [one_run(who, interval, args.after, env, logs, args.before) for who in order]
                round_found = dict(zip(order, await asyncio.gather(*starts), strict=True))
            else:
                round_found = {}
                for who in order:
                    round_found[who] = await one_run(who, interval, args.after, env, logs, args.before)
            for who, found in round_found.items():
                results.setdefault((interval, who), []).append(found)
                then = milliseconds(median_or_none(found.after_ms))
                load = f"load {found.load[0]:.1f} to {found.load[1]:.1f}"
                at = f"{seconds(found.right_at)} (check from {seconds(found.check_at)})"
                anchor = round_found["anchor"].right_at
                print(
                    f"run {number + 1}, every {interval} s, {who}: {at} ({ratio(found.right_at, anchor)}"
                    f" of the anchor's in this run), then {then}; {load}"
                )
    for interval in args.interval:
        runs = {who: results[interval, who] for who in sides}
        report.section(f"polled every {interval} s: spawn to first right hover, median of {args.runs}")
        right = {who: median_or_none([r.right_at for r in rs if r.right_at]) for who, rs in runs.items()}
        after = {who: median_or_none([ms for r in rs for ms in r.after_ms]) for who, rs in runs.items()}
        report.row(
            "first right hover", "", seconds(right["anchor"]), seconds(right["ours"]),
            ratio(right["ours"], right["anchor"]),
        )  # fmt: skip
        phase = {
            who: median_or_none([r.after_check for r in rs if r.after_check]) for who, rs in runs.items()
        }
        report.row(
            "check start to first right hover", "", seconds(phase["anchor"]), seconds(phase["ours"]),
            ratio(phase["ours"], phase["anchor"]),
        )  # fmt: skip
        report.row(
            f"the {args.after} hovers after it (median)", "", milliseconds(after["anchor"]),
            milliseconds(after["ours"]), ratio(after["ours"], after["anchor"]),
        )  # fmt: skip
        for other in sides[len(SIDES) :]:
            at, then = seconds(right[other]), milliseconds(after[other])
            if other.startswith("ours"):
                report.row(f"{other}: first right hover", "", "", at, ratio(right[other], right["anchor"]))
                report.row(
                    f"{other}: the hovers after it", "", "", then, ratio(after[other], after["anchor"])
                )
            else:
                report.row(f"{other}: first right hover", "", at, "", ratio(right["ours"], right[other]))
                report.row(f"{other}: the hovers after it", "", then, "", ratio(after["ours"], after[other]))
        for who, rs in runs.items():
            each = " ".join(seconds(r.right_at) for r in rs)
            each += "; check start to it " + " ".join(seconds(r.after_check) for r in rs)
            before = counted(sum((r.before for r in rs), Counter()))
            wrong = counted(sum((r.after_wrong for r in rs), Counter()))
            report.note(
                f"{who}: each run {each}; before the right one: {before}; not right after it: {wrong}"
            )
    both_ways(report, results, sides, args)
    return report.write("first-answer")


def both_ways(
    report: Report,
    results: Mapping[tuple[float, str], Sequence[FirstAnswer]],
    sides: Sequence[str],
    args: argparse.Namespace,
) -> None:
    """Both ways of asking side by side (issue 23's 0.25 s, bench.compare's 0.1 s), each side's
    median first right hover and its ratio to the anchor's in the same table, and the load."""
    report.say()
    report.say("both ways of asking, side by side (median first right hover; ratio to the anchor's)")
    for who in sides:
        cells = []
        for interval in args.interval:
            runs = results[interval, who]
            right = median_or_none([r.right_at for r in runs if r.right_at])
            anchor = median_or_none([r.right_at for r in results[interval, "anchor"] if r.right_at])
            cells.append(f"every {interval:g} s: {seconds(right)} ({ratio(right, anchor)})")
        report.say(f"  {who:<26}" + "   ".join(cells))
    loads = [value for runs in results.values() for r in runs for value in r.load]
    if loads:
        report.note(f"1-minute load average over the runs: {min(loads):.1f} to {max(loads):.1f} (2 cores)")


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.first_answer", description=(__doc__ or "")[:80])
    parser.add_argument("--runs", type=int, default=3, help="cold starts per side and interval (default 3)")
    parser.add_argument(
        "--interval", type=float, action="append", help="seconds between polls (default: 0.25 and 0.1)"
    )
    parser.add_argument("--after", type=int, default=20, help="hovers timed after the first right one")
    parser.add_argument(
        "--before", type=Path, help="another checkout's rust-analyzer-mcp, run as 'ours (before)'"
    )
    parser.add_argument(
        "--together", action="store_true", help="start every side of a run at the same moment"
    )
    parser.add_argument(
        "--plain-anchor",
        action="store_true",
        help=f"also run '{PLAIN_ANCHOR}': the anchor without RUST_SRC_PATH",
    )
    args = parser.parse_args(argv)
    args.interval = args.interval or [0.25, 0.1]
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(argv)
    path = asyncio.run(run(args))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
