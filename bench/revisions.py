"""Two revisions of this project side by side, same run, interleaved: a base revision against this
checkout (HEAD), each with `--engine off` and through its own warm engine (issue 24: start-up and
warm figures no worse). Medians, and HEAD / base for each.

Rows (`--only`): `start` (spawn, initialize, tools/list, for both servers; `python -c pass` is the
floor), `warm` (hover and definition on the corpus, every side on its own copy, all answering right
and idle first, a few untimed rounds, then interleaved; every answer judged against the source) and
`cargo` (cargo_check on the same copies after rust-analyzer's check: repeated on an unchanged tree,
which is answered from the last identical run, and after a source file is touched, which runs cargo).

    .venv/bin/python -m bench.revisions --base REV [--runs 20] [--corpus ripgrep|fixture] [--only ROW]

The base is exported and installed once per commit (bench/revision_setup.py, a few minutes the first
time). The report is printed and written to bench/results/revisions-<time>.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from rust_mcp.dev import corpus

from . import truth as t
from .cargo_rows import run_bare, time_to_tools_list
from .cold import Cold, poll_until_right
from .report import Report, added, in_turn, median, ms, ratio
from .revision_setup import REPO, Revision, compile_modules, git, prepared_base
from .servers import Launch, base_env
from .sides import Kind, OurSide
from .warm import wait_quiet
from .wire import McpPeer

ROWS = ("start", "warm", "cargo")
KINDS: tuple[Kind, ...] = ("hover", "definition")
WARM_UP = 3
POINT = t.Query(
    name="Point",
    kind="struct",
    declared_in="geometry/src/lib.rs",
    used_in="app/src/main.rs",
    used_as="Point::new(3.0",
)
TOUCHED = {"ripgrep": "ripgrep/crates/core/main.rs", "fixture": "app/src/main.rs"}
Side = tuple[Revision, bool]  # (revision, through the engine)


def side_label(side: Side) -> str:
    return f"{side[0].label}, {'engine' if side[1] else 'off'}"


def analyzer(side: Side, root: Path) -> Launch:
    revision, engine = side
    argv = (str(revision.bin / "rust-analyzer-mcp"), "--root", str(root))
    return Launch(f"{revision.label}-ra-{engine}", argv, revision.environment(engine), root)


def cargo(side: Side, root: Path, logs: Path) -> Launch:
    revision, engine = side
    argv = (str(revision.bin / "cargo-mcp"), "serve", "--root", str(root), "--log-dir", str(logs / "cargo"))
    return Launch(f"{revision.label}-cargo-{engine}", argv, revision.environment(engine), root)


class Comparison:
    def __init__(self, args: argparse.Namespace, base: Revision, head: Revision) -> None:
        self.args, self.base, self.head = args, base, head
        self.sides: list[Side] = [(base, False), (head, False), (base, True), (head, True)]
        self.scratch = Path(tempfile.mkdtemp(prefix="rust-mcp-revisions-"))
        self.logs = self.scratch / "logs"
        self.logs.mkdir()
        self.report = Report("two revisions side by side (bench/revisions.py)")
        self.seconds: dict[tuple[str, str], list[float]] = defaultdict(list)  # (row, side) -> runs
        self.not_right: Counter[str] = Counter()

    def engines(self) -> set[int]:
        return self.base.engines() | self.head.engines()

    def copy(self, side: Side) -> Path:
        name = side_label(side).replace(", ", "-").replace(" ", "-")
        if self.args.corpus == "ripgrep":
            return corpus.copy(corpus.RIPGREP, self.scratch / name)
        root = self.scratch / name
        shutil.copytree(REPO / "fixtures" / "workspace", root, ignore=shutil.ignore_patterns("target"))
        return root

    async def run(self, rows: Sequence[str]) -> Path:
        self.report.say(f"{self.base.label} against {self.head.label}; corpus {self.args.corpus}")
        self.report.say(f"rows: {', '.join(rows)}; {self.args.runs} runs; logs in {self.logs}")
        try:
            if "start" in rows:
                await self.start()
            if "warm" in rows or "cargo" in rows:
                await self.warm(rows)
        finally:
            self.base.close()
            self.head.close()
            for child in self.scratch.iterdir():
                if child != self.logs:
                    shutil.rmtree(child, ignore_errors=True)
            self.show()  # what was measured, also when a row failed
            path = self.report.write("revisions")
        return path

    async def start(self) -> None:
        root = self.scratch / "start"
        (root / "src").mkdir(parents=True)
        (root / "Cargo.toml").write_text('[package]\nname = "start"\nversion = "0.1.0"\nedition = "2021"\n')
        (root / "src" / "lib.rs").write_text("")
        launches: dict[tuple[str, str], Launch] = {}
        for server in ("cargo-mcp", "rust-analyzer-mcp"):
            for side in self.sides:
                launch = cargo(side, root, self.logs) if server == "cargo-mcp" else analyzer(side, root)
                launches[(f"start {server}", side_label(side))] = launch
        for (_, label), launch in launches.items():  # the engines start; every cache is filled
            if label.endswith("engine"):
                await time_to_tools_list(launch, self.logs)
        keys = [("start floor", "python -c pass"), *launches]
        for run in range(self.args.runs):
            for key in in_turn(keys, run):
                if key in launches:
                    self.seconds[key].append((await time_to_tools_list(launches[key], self.logs))[0])
                else:
                    self.seconds[key].append(run_bare([sys.executable, "-c", "pass"], self.head.env)[0])

    async def warm(self, rows: Sequence[str]) -> None:
        roots = {side: self.copy(side) for side in self.sides}
        query = t.SEARCHER_BUILDER if self.args.corpus == "ripgrep" else POINT
        peers: dict[Side, McpPeer] = {}
        try:
            for side in self.sides:
                peers[side] = await analyzer(side, roots[side]).start(self.logs)
            await asyncio.gather(*(peer.initialize() for peer in peers.values()))
            ours = {
                side: OurSide(peers[side], t.compute(roots[side], query), side_label(side)) for side in peers
            }
            await asyncio.gather(
                *(poll_until_right(s, "hover", time.perf_counter(), Cold()) for s in ours.values())
            )
            await wait_quiet({peer.pid for peer in peers.values()} | self.engines())
            if "warm" in rows:
                await self.warm_calls(list(ours.values()))
            if "cargo" in rows:
                await self.cargo_calls(roots)
        finally:
            await asyncio.gather(*(peer.close() for peer in peers.values()))

    async def warm_calls(self, sides: list[OurSide]) -> None:
        for _ in range(WARM_UP):
            for kind in KINDS:
                for side in sides:
                    await side.ask(kind)
        await wait_quiet({side.peer.pid for side in sides} | self.engines())
        for run in range(self.args.runs):
            for kind in KINDS:
                for side in in_turn(sides, run):
                    elapsed, outcome = await side.ask(kind)
                    self.seconds[(f"warm {kind}", side.label)].append(elapsed)
                    if outcome != "right":
                        self.not_right[f"{side.label} {kind}: {outcome}"] += 1

    async def cargo_calls(self, roots: dict[Side, Path]) -> None:
        peers = {side: await cargo(side, roots[side], self.logs).start(self.logs) for side in self.sides}
        try:
            await asyncio.gather(*(peer.initialize() for peer in peers.values()))
            for side, peer in peers.items():  # whatever rust-analyzer's check left to build
                while await self.check(peer, roots[side], side_label(side), warm_up=True) < 0:
                    pass
            touched = TOUCHED[self.args.corpus]
            for run in range(self.args.runs):
                for side in in_turn(self.sides, run):
                    label = side_label(side)
                    self.seconds[("cargo_check, unchanged tree", label)].append(
                        await self.check(peers[side], roots[side], label)
                    )
                    os.utime(roots[side] / touched)
                    self.seconds[("cargo_check, a file touched", label)].append(
                        await self.check(peers[side], roots[side], label)
                    )
        finally:
            await asyncio.gather(*(peer.close() for peer in peers.values()))

    async def check(self, peer: McpPeer, root: Path, label: str, warm_up: bool = False) -> float:
        """One cargo_check's seconds; -1 for a warm-up answered "still running" (past the server's
        answer deadline: the run goes on, and the same call again joins it)."""
        started = time.perf_counter()
        answer = await peer.call("cargo_check", {"path": str(root)}, timeout=1200)
        elapsed = time.perf_counter() - started
        running = (answer.get("structuredContent") or {}).get("running")
        if warm_up:
            return -1.0 if running else elapsed
        if running or answer.get("isError"):
            self.not_right[f"{label} cargo_check: {'still running' if running else 'error'}"] += 1
        return elapsed

    def show(self) -> None:
        self.report.say()
        self.report.say(f"{'median':<44}{'base':>12}{'HEAD':>12}{'HEAD/base':>12}{'HEAD-base':>14}")
        for row in dict.fromkeys(row for row, _ in self.seconds):
            if row == "start floor":
                values = self.seconds[(row, "python -c pass")]
                self.report.say(f"{'start: python -c pass (floor)':<44}{ms(median(values)):>12}")
                continue
            for engine in ("off", "engine"):
                base = self.seconds.get((row, f"{self.base.label}, {engine}"))
                head = self.seconds.get((row, f"{self.head.label}, {engine}"))
                if not base or not head:
                    continue
                cells = f"{ms(median(base)):>12}{ms(median(head)):>12}{ratio(median(head), median(base)):>12}"
                cells += f"{ms(added(head, base)):>14}"
                self.report.say(f"{f'{row}, {engine}':<44}{cells}")
        self.report.note(f"answers not right: {dict(self.not_right) or 'none'}")
        self.report.note(
            "interleaved: each run asks every side in turn, starting with the next one; HEAD-base is the "
            "median of the paired differences (run i of HEAD minus run i of base), which cancels the "
            "machine's drift; same code on both sides gives the noise of this run"
        )


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.revisions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the revision to compare with (a commit, branch, tag)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each figure (default 20)")
    parser.add_argument("--corpus", choices=("ripgrep", "fixture"), default="ripgrep", help="warm rows' code")
    parser.add_argument(
        "--only", action="append", choices=ROWS, metavar="ROW", help=f"one of {', '.join(ROWS)}"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(argv)
    commit, base_bin = prepared_base(args.base)
    compile_modules(Path(sys.executable), REPO)
    env = base_env()
    head_commit = git("rev-parse", "--short=12", "HEAD")
    dirty = " + changes" if git("status", "--porcelain", "--untracked-files=no") else ""
    base = Revision(f"base {commit[:12]}", base_bin, env)
    head = Revision(f"HEAD {head_commit}{dirty}", Path(sys.executable).parent, env)
    path = asyncio.run(Comparison(args, base, head).run(tuple(args.only or ROWS)))
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
