"""Side by side, same machine, same run, interleaved: raw rust-analyzer / bare cargo / the SDK's
one-tool floor, the Rust anchors (cargo-mcp 0.2.0, rust-analyzer-mcp 0.4.0 from crates.io) and ours,
on a pinned real 9-crate workspace (ripgrep and the crates it is built from, rust_mcp/dev/corpus.py).

Rows (issue 13): cold first right hover, warm hover / definition / references, 8 concurrent
hover+references, start to tools/list, no-op cargo check, server memory; (issue 12): characters of
tools/list and of answers to the same queries; and the cold-start timeline of rust-analyzer's own
status and progress next to when each answer first becomes right.

    .venv/bin/python -m bench.compare [--runs 30] [--cold-runs 3] [--only ROW ...] [--quick]

The report is printed and written to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import cold, sizes, warm
from .cargo_rows import TOOLCHAIN, CargoFigures, cargo_rows, start_rows
from .report import Report, added, chars, kib, median, ms, ratio, seconds
from .servers import base_env, ensure_anchors, one_tool_server
from .sides import KINDS

CARGO_SIDES = ("prepared", "prepared sandboxed", "ours", "ours unsandboxed")
ROWS = ("start", "cargo", "warm", "concurrent", "memory", "sizes", "cold", "timeline")
SESSION_ROWS = {"warm", "concurrent", "memory", "sizes"}
QUICK_ROWS = ("start", "cargo", "warm", "concurrent", "memory", "sizes", "cold")
MEMORY_CALLS = 300


def counted(outcomes: Counter[str]) -> str:
    return ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())) or "none"


class Compare:
    def __init__(self, args: argparse.Namespace, rows: Sequence[str]) -> None:
        self.args = args
        self.rows = rows
        self.env = base_env()
        self.report = Report("rust-mcp side by side (bench/compare.py)")
        self.scratch = Path(tempfile.mkdtemp(prefix="rust-mcp-compare-"))
        self.logs = self.scratch / "logs"
        self.logs.mkdir()
        self.cargo_sizes: CargoFigures | None = None
        self.tools_lists: dict[str, dict[str, Any]] = {}

    async def run(self) -> Path:
        ensure_anchors()
        self.report.say(f"corpus: ripgrep workspace (rust_mcp/dev/corpus.py); server logs in {self.logs}")
        self.report.say(
            f"runs: {self.args.runs} warm, {self.args.cold_runs} cold; rows: {', '.join(self.rows)}"
        )
        try:
            if "start" in self.rows or "sizes" in self.rows:
                await self.start()
            if "cargo" in self.rows or "sizes" in self.rows:
                await self.cargo()
            if SESSION_ROWS & set(self.rows):
                await self.analyzer_session()
            if "cold" in self.rows:
                await self.cold()
            if "timeline" in self.rows:
                await self.timeline()
        finally:
            for child in self.scratch.iterdir():  # the corpus copies, with their target/: GBs
                if child != self.logs:
                    shutil.rmtree(child, ignore_errors=True)
        return self.report.write()

    # -- start-up ---------------------------------------------------------------------------------

    async def start(self) -> None:
        runs = max(3, self.args.runs // 2)
        figures = await start_rows(self.scratch, self.env, self.logs, runs)
        self.tools_lists = figures.tools_lists
        if "start" not in self.rows:
            return
        floor = median(figures.seconds["floor"])
        self.report.section(f"start to tools/list (spawn, initialize, tools/list), median of {runs}")
        for name in ("cargo-mcp", "rust-analyzer-mcp"):
            anchor, ours = median(figures.seconds[f"anchor {name}"]), median(figures.seconds[f"our {name}"])
            self.report.row(name, ms(floor), ms(anchor), ms(ours), ratio(ours, anchor))
        behind = {
            n: added(figures.seconds[f"our {n}"], figures.seconds["floor"]) or 0.0
            for n in ("cargo-mcp", "rust-analyzer-mcp")
        }
        self.report.note(
            "raw column: the SDK's one-tool MCPServer (the floor). Ours behind the floor (paired): "
            + ", ".join(f"{name} {value * 1000:+.0f} ms" for name, value in behind.items())
            + " (target within +100 ms)"
        )

    # -- cargo ----------------------------------------------------------------------------------------

    async def cargo(self) -> None:
        figures = await cargo_rows(self.scratch, self.env, self.logs, self.args.runs)
        self.cargo_sizes = figures
        if "cargo" not in self.rows:
            return
        self.report.section(f"no-op `cargo check` on the warm corpus, median of {self.args.runs}")
        for suffix in ("", f" +{TOOLCHAIN}"):
            bare, anchor, ours = (
                median(figures.seconds[f"{who}{suffix}"]) for who in ("bare", "anchor", "ours")
            )
            label = f"cargo check{' (toolchain=' + TOOLCHAIN + ')' if suffix else ''}"
            self.report.row(label, ms(bare), ms(anchor), ms(ours), ratio(ours, anchor))
            base = figures.seconds[f"bare{suffix}"]
            anchor_added = added(figures.seconds[f"anchor{suffix}"], base)
            self.report.row(
                "  added over bare cargo",
                "",
                ms(anchor_added),
                ms(added(figures.seconds[f"ours{suffix}"], base)),
            )
            seconds = {who: figures.seconds[f"{who}{suffix}"] for who in CARGO_SIDES}
            self.report.row("  cargo as ours starts it, no server", ms(median(seconds["prepared"])), "", "")
            self.report.row("    the same in our sandbox", ms(median(seconds["prepared sandboxed"])), "", "")
            self.report.row(
                "    the sandbox's own cost",
                ms(added(seconds["prepared sandboxed"], seconds["prepared"])),
                "",
                "",
            )
            self.report.row(
                "  our server's own cost, sandboxed",
                "",
                "",
                ms(added(seconds["ours"], seconds["prepared sandboxed"])),
            )
            self.report.row(
                "  our server's own cost, --sandbox off",
                "",
                "",
                ms(added(seconds["ours unsandboxed"], seconds["prepared"])),
            )
        failed = {who: n for who, n in figures.failures.items() if n}
        if failed:
            self.report.note(f"failed runs: {failed}")
        self.report.note(
            "added: the median of the paired differences (each run back to back with bare cargo)"
        )
        self.report.note(
            "target: ours under 3 ms added at the median. 'cargo as ours starts it': the argv, toolchain "
            "(resolved to its cargo, no rustup proxy), offline flags and scrubbed environment our code "
            "makes, "
            "run without the server; the sandbox is a fresh bubblewrap per call (so nothing one call starts "
            "outlives it). 'Our server's own cost' is ours minus that, paired, sandboxed and not"
        )
        self.memory_rows("cargo-mcp", figures.rss)

    def memory_rows(self, name: str, rss: Mapping[str, list[tuple[int, int]]]) -> None:
        """Every sample: resident memory after how many calls of the session."""
        for who in ("anchor", "ours"):
            samples = rss.get(who, [])
            if samples:
                trail = " → ".join(f"{kib(value)} ({calls} calls)" for calls, value in samples)
                self.report.note(f"{name} RSS, {who}: {trail}")

    # -- rust-analyzer session ---------------------------------------------------------------------------

    async def analyzer_session(self) -> None:
        async with warm.session(self.scratch, self.env, self.logs) as state:
            if "warm" in self.rows:
                times = await warm.warm_requests(state, self.args.runs)
                self.report.section(f"warm requests on the corpus, median of {self.args.runs}, interleaved")
                for kind in KINDS:
                    raw, anchor, ours = (
                        median(times.seconds[(who, kind)]) for who in ("raw rust-analyzer", "anchor", "ours")
                    )
                    self.report.row(kind, ms(raw), ms(anchor), ms(ours), ratio(ours, anchor))
                    base = times.seconds[("raw rust-analyzer", kind)]
                    anchor_added = added(times.seconds[("anchor", kind)], base)
                    ours_added = added(times.seconds[("ours", kind)], base)
                    self.report.row("  added over raw", "", ms(anchor_added), ms(ours_added))
                wrong = {f"{who} {kind}: {what}": n for (who, kind, what), n in times.not_right.items()}
                self.report.note(
                    "added: the median of the paired differences (each run back to back with raw)"
                )
                self.report.note(f"answers not right: {wrong or 'none'}; target: ours at most 1.5 ms added")
                floor = await self.noop_call_floor()
                self.report.row("no-op tool call", ms(floor), "", "")
                self.report.note(
                    "no-op tool call: the SDK's one-tool MCPServer answering a tool that does nothing, over "
                    "stdio: what any server built on the SDK adds to a call before its own work"
                )
            if "concurrent" in self.rows:
                spans, wrong_concurrent = await warm.concurrent_requests(state, self.args.runs)
                each = warm.CONCURRENT
                self.report.section(
                    f"{each} hovers + {each} references at once, one session, median of {self.args.runs}"
                )
                raw, anchor, ours = (median(spans[who]) for who in ("raw rust-analyzer", "anchor", "ours"))
                self.report.row("all answered", ms(raw), ms(anchor), ms(ours), ratio(ours, anchor))
                wrong_sides = {who: n for who, n in wrong_concurrent.items() if n}
                self.report.note(f"answers not right: {wrong_sides or 'none'}")
            if "memory" in self.rows:
                await warm.more_calls(state, MEMORY_CALLS if not self.args.quick else 30)
                self.report.section("server memory (RSS of the MCP server process, not rust-analyzer)")
                self.memory_rows("rust-analyzer-mcp", state.rss)
            if "sizes" in self.rows:
                await self.size_rows(state)

    async def noop_call_floor(self) -> float | None:
        """The median time of the SDK's one-tool server answering `ping`, as many runs as the rows."""
        peer = await one_tool_server(self.scratch, self.env).start(self.logs)
        try:
            await peer.initialize()
            times = []
            for _ in range(max(self.args.runs, 20)):
                started = time.perf_counter()
                await peer.call("ping", {})
                times.append(time.perf_counter() - started)
        finally:
            await peer.close()
        return median(times)

    async def size_rows(self, state: warm.Session) -> None:
        self.report.section("characters a model pays for (issue 12): tool definitions")
        for name in ("cargo-mcp", "rust-analyzer-mcp"):
            anchor_list, our_list = (
                self.tools_lists.get(f"anchor {name}"),
                self.tools_lists.get(f"our {name}"),
            )
            if anchor_list is None or our_list is None:
                continue
            anchor, ours = sizes.definitions(anchor_list), sizes.definitions(our_list)
            self.report.row(f"{name}: tools", "", str(anchor.tools), str(ours.tools))
            self.report.row(
                "  per tool (name+description+input)",
                "",
                chars(anchor.per_tool),
                chars(ours.per_tool),
                ratio(ours.per_tool, anchor.per_tool),
            )
            self.report.row(
                "  whole tools/list JSON",
                "",
                chars(anchor.whole_chars),
                chars(ours.whole_chars),
                ratio(ours.whole_chars, anchor.whole_chars),
            )
        self.report.section("characters a model pays for (issue 12): answers (text + structured JSON)")
        answers: list[tuple[str, sizes.AnswerSize | None, sizes.AnswerSize | None]] = []
        for label, anchor_call, our_call in sizes.analyzer_queries(state.anchor.truth, state.ours.truth):
            anchor_size = await sizes.measure(state.anchor_peer, anchor_call)
            answers.append((label, anchor_size, await sizes.measure(state.our_peer, our_call)))
        originals = {who: sizes.inject_problem(state.roots[who]) for who in ("anchor", "ours")}
        try:
            for label, anchor_call, our_call in sizes.diagnostics_queries(
                state.roots["anchor"], state.roots["ours"]
            ):
                expect = sizes.INJECTED_ERROR
                anchor_size = await sizes.measure(state.anchor_peer, anchor_call, expect)
                answers.append((label, anchor_size, await sizes.measure(state.our_peer, our_call, expect)))
        finally:
            for who, original in originals.items():
                sizes.restore(state.roots[who], original)
        if self.cargo_sizes is not None:
            answers.append(
                (
                    "cargo_check with an error and 2 warnings",
                    self.cargo_sizes.check_sizes.get("anchor"),
                    self.cargo_sizes.check_sizes.get("ours"),
                )
            )
        for label, anchor_size, our_size in answers:
            a = anchor_size.total if anchor_size else None
            o = our_size.total if our_size else None
            self.report.row(label, "", chars(a), chars(o), ratio(o, a))
            parts = [
                f"{who} {size.text:,} text + {size.structured:,} JSON{' (isError)' if size.error else ''}"
                + ("" if size.found is None else f", {'has' if size.found else 'MISSES'} the injected error")
                for who, size in (("anchor", anchor_size), ("ours", our_size))
                if size is not None
            ]
            if parts:
                self.report.note("; ".join(parts))
        self.report.note(
            "budget: 8 KiB text and 10 KiB JSON per default answer; goal: at most half the anchor's"
        )

    # -- cold ------------------------------------------------------------------------------------------

    async def cold(self) -> None:
        results: dict[str, list[cold.Cold]] = {"raw": [], "anchor": [], "ours": []}
        runners = {"raw": cold.cold_raw, "anchor": cold.cold_anchor, "ours": cold.cold_ours}
        for _ in range(self.args.cold_runs):
            for who, runner in runners.items():
                results[who].append(await cold.on_fresh_copy(runner, self.env, self.logs))
        self.report.section(
            f"cold: spawn to first right hover, fresh copy (no target/), polled every "
            f"{cold.POLL_INTERVAL:g} s, median of {self.args.cold_runs} (bench.first_answer: also 0.25 s)"
        )
        right = {
            who: median([r.right_at for r in rs if r.right_at is not None]) for who, rs in results.items()
        }
        self.report.row(
            "first right hover",
            seconds(right["raw"]),
            seconds(right["anchor"]),
            seconds(right["ours"]),
            ratio(right["ours"], right["anchor"]),
        )
        quiescent = median([r.quiescent_at for r in results["raw"] if r.quiescent_at is not None])
        applied = median([r.build_data_at for r in results["raw"] if r.build_data_at is not None])
        self.report.row("rust-analyzer build data applied", seconds(applied), "", "")
        self.report.row("rust-analyzer quiescent (serverStatus)", seconds(quiescent), "", "")
        before = {who: sum((r.before for r in rs), Counter()) for who, rs in results.items()}
        self.report.note(
            "answers before the first right one (all runs): "
            + "; ".join(f"{who}: {counted(c)}" for who, c in before.items())
        )
        never = {who: sum(r.right_at is None for r in rs) for who, rs in results.items()}
        if any(never.values()):
            self.report.note(f"runs with no right answer within {cold.COLD_TIMEOUT:.0f} s: {never}")
        self.report.note(
            f"each asked again {cold.POLL_INTERVAL * 1000:.0f} ms after an answer that was not right "
            "(ours waits until it can answer right, up to its --ready-timeout, then says it is indexing)"
        )

    async def timeline(self) -> None:
        line = await cold.timeline(self.env, self.logs, self.args.timeline_settings)
        settings = self.args.timeline_settings or "its defaults"
        self.report.section(
            f"cold timeline: raw rust-analyzer ({settings}), hover/definition/references polled"
        )
        for at, text in line.events:
            self.report.say(f"  {at:8.2f} s  {text}")
        self.report.say(f"  build data applied (ready to ask): {seconds(line.ready_to_ask)}")
        for kind in KINDS:
            polls = line.polls[kind]
            right = next(((sent, answered) for sent, answered, outcome in polls if outcome == "right"), None)
            last_bad = max((sent for sent, _, outcome in polls if outcome != "right"), default=None)
            outcomes = Counter(outcome for _, _, outcome in polls if outcome != "right")
            asked, answered = right or (None, None)
            self.report.say(
                f"  {kind}: first right answer at {seconds(answered)} (asked at {seconds(asked)}); "
                f"last not-right answer asked at {seconds(last_bad)}; before it: {counted(outcomes)}"
            )


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="warm repetitions per figure (default 30)")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold starts per server (default 3)")
    parser.add_argument(
        "--only", action="append", choices=ROWS, metavar="ROW", help=f"one of {', '.join(ROWS)}; repeatable"
    )
    parser.add_argument(
        "--timeline-settings",
        type=json.loads,
        default=None,
        metavar="JSON",
        help="rust-analyzer initializationOptions for the timeline row, e.g. '{\"checkOnSave\": false}'",
    )
    parser.add_argument("--quick", action="store_true", help="few runs (3 warm, 1 cold), for CI and tests")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.cold_runs = min(args.runs, 3), min(args.cold_runs, 1)
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(argv)
    rows = tuple(args.only) if args.only else (QUICK_ROWS if args.quick else ROWS)
    path = asyncio.run(Compare(args, rows).run())
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
