"""The per-user engine (issue 23), same machine, same run, interleaved: ours through a warm engine
against ours in-process (`RUST_MCP_ENGINE=off`, the same as `--engine off`), the Rust anchors
(cargo-mcp 0.2.0, rust-analyzer-mcp 0.4.0), the floor and raw rust-analyzer.

Rows: start to `tools/list` (target: under 50 ms with a warm engine); a later session's first
right hover on the ripgrep corpus (target: under 1 s) and, with --large, on the large corpus; six
concurrent sessions on one workspace: rust-analyzer processes (target: 1) and the memory of every
process tree they need (target: at most 1.2x one session's); warm hover / definition added over
raw rust-analyzer, engine against off.

    .venv/bin/python -m bench.engine [--runs 20] [--later 3] [--sessions 6] [--large] [--only ROW ...]

The report is printed and written to bench/results/engine-<time>.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from rust_mcp.dev import corpus

from . import truth as t
from .big import PROPERTIES
from .engine_rows import (
    ANCHOR,
    ENGINE,
    OFF,
    PYTHON_FLOOR,
    SDK_FLOOR,
    Bench,
    crowd,
    later_sessions,
    start_to_tools_list,
    warm_calls,
)
from .report import Report, added, kib, median, ms, seconds
from .servers import base_env, ensure_anchors
from .sides import Kind

ROWS = ("start", "later", "large", "crowd", "warm")
DEFAULT_ROWS = ("start", "later", "crowd", "warm")
WARM_KINDS: tuple[Kind, ...] = ("hover", "definition")
WIDTH = 42


def cells(report: Report, label: str, values: Sequence[str]) -> None:
    report.say(f"  {label:<{WIDTH}}" + "".join(f"{value:>18}" for value in values))


class EngineBench:
    def __init__(self, args: argparse.Namespace, rows: Sequence[str]) -> None:
        self.args, self.rows = args, rows
        self.report = Report("rust-mcp engine against in-process and the Rust servers (bench/engine.py)")
        scratch = Path(tempfile.mkdtemp(prefix="rust-mcp-engine-bench-"))
        runtime = Path(tempfile.mkdtemp(prefix="rme-"))  # short: the socket path must fit sun_path
        self.bench = Bench(scratch, scratch / "logs", base_env(), runtime)
        self.bench.logs.mkdir()

    async def run(self) -> Path:
        ensure_anchors()
        self.report.say(
            f"rows: {', '.join(self.rows)}; engine directory {self.bench.runtime}; logs {self.bench.logs}"
        )
        try:
            if "start" in self.rows:
                await self.start()
            if "later" in self.rows:
                await self.later(corpus.RIPGREP, t.SEARCHER_BUILDER, (ENGINE, OFF, ANCHOR), self.args.later)
            if "large" in self.rows:
                await self.later(corpus.LARGE, PROPERTIES, (ENGINE, OFF), max(1, self.args.later // 2))
            if "crowd" in self.rows:
                await self.crowd()
            if "warm" in self.rows:
                await self.warm()
        finally:
            self.bench.stop_engine()
            for child in self.bench.scratch.iterdir():  # corpus copies with their target/: GBs
                if child != self.bench.logs:
                    shutil.rmtree(child, ignore_errors=True)
            shutil.rmtree(self.bench.runtime, ignore_errors=True)
        return self.report.write("engine")

    async def start(self) -> None:
        figures = await start_to_tools_list(self.bench, self.args.runs)
        self.report.say()
        self.report.say(f"start to tools/list (spawn, initialize, tools/list), median of {self.args.runs}")
        cells(self.report, "", ("median", "over python", "over SDK floor"))
        for label, values in figures.items():
            over = [f"{(added(values, figures[f]) or 0) * 1000:+.1f} ms" for f in (PYTHON_FLOOR, SDK_FLOOR)]
            cells(
                self.report, label, (ms(median(values)), *(("", "") if label.startswith("floor") else over))
            )
        self.report.note("over …: the median of paired differences (each run against that floor's run)")
        self.report.note("target: ours with a warm engine under 50 ms at the median")

    async def later(self, which: corpus.Corpus, query: t.Query, sides: tuple[str, ...], later: int) -> None:
        figures = await later_sessions(self.bench, which, query, sides, later)
        self.report.say()
        self.report.say(
            f"a later session's first right hover, {which.name} corpus ({query.name}), median of {later}"
        )
        cells(self.report, "", sides)
        cells(
            self.report, "first session (fresh copy, no target/)", [seconds(figures.first[w]) for w in sides]
        )
        cells(self.report, "each later session", [seconds(median(figures.later[w])) for w in sides])
        self.report.note(
            "spawn to the first right hover, polled; the first session stays open until idle (indexed and "
            "checked), then each later session is a new process on the same copy. target: engine under 1 s"
        )
        if any(figures.never.values()):
            self.report.note(f"later sessions with no right answer: {dict(figures.never)}")

    async def crowd(self) -> None:
        n = self.args.sessions
        figures = await crowd(self.bench, n)
        self.report.say()
        self.report.say(f"{n} concurrent sessions on one workspace (ripgrep)")
        sides = (ENGINE, OFF)
        cells(self.report, "", sides)
        for count in (1, n):
            analyzers = [str(figures.analyzers.get((w, count), "—")) for w in sides]
            cells(self.report, f"rust-analyzer processes, {count} session(s)", analyzers)
            memory = [kib(figures.rss_kib.get((w, count))) for w in sides]
            cells(self.report, f"memory, {count} session(s)", memory)
        ratios = []
        for who in sides:
            one, many = figures.rss_kib.get((who, 1)), figures.rss_kib.get((who, n))
            ratios.append(f"{many / one:.2f}×" if one and many else "—")
        cells(self.report, f"memory, {n} sessions / 1 session", ratios)
        cells(
            self.report,
            f"the other {n - 1} all right, from their spawn",
            [seconds(figures.all_right.get(w)) for w in sides],
        )
        self.report.note(
            "memory: RSS summed over every process tree the sessions need (fronts or servers, the engine, "
            "rust-analyzer and what it runs), all idle; shared pages count once per process"
        )
        self.report.note("target: 1 rust-analyzer and at most 1.2× one session's memory with the engine")

    async def warm(self) -> None:
        figures = await warm_calls(self.bench, self.args.runs, WARM_KINDS)
        self.report.say()
        self.report.say(f"warm calls on ripgrep, median of {self.args.runs}, interleaved")
        cells(self.report, "", ("raw", ENGINE, OFF))
        for kind in WARM_KINDS:
            raw = figures.seconds[("raw rust-analyzer", kind)]
            cells(
                self.report,
                kind,
                [ms(median(figures.seconds[(w, kind)])) for w in ("raw rust-analyzer", ENGINE, OFF)],
            )
            cells(
                self.report,
                "  added over raw (paired)",
                [
                    "",
                    ms(added(figures.seconds[(ENGINE, kind)], raw)),
                    ms(added(figures.seconds[(OFF, kind)], raw)),
                ],
            )
        wrong = {f"{who} {kind}: {what}": n for (who, kind, what), n in figures.not_right.items()}
        self.report.note(f"answers not right: {wrong or 'none'}")


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="start-up and warm repetitions (default 20)")
    parser.add_argument("--later", type=int, default=3, help="later sessions per side (default 3)")
    parser.add_argument("--sessions", type=int, default=6, help="concurrent sessions (default 6)")
    parser.add_argument("--large", action="store_true", help="also the large corpus (slow: minutes per side)")
    parser.add_argument(
        "--only", action="append", choices=ROWS, metavar="ROW", help=f"one of {', '.join(ROWS)}"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(argv)
    rows = tuple(args.only) if args.only else (*DEFAULT_ROWS, *(("large",) if args.large else ()))
    path = asyncio.run(EngineBench(args, rows).run())
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
