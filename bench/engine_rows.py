"""Measurements for the engine bench (bench/engine.py): ours through a warm per-user engine against
ours in-process (`RUST_MCP_ENGINE=off`, what `--engine off` gives), the Rust anchors, the floor and
raw rust-analyzer. Every side gets its own copy of the corpus; the engine runs in a private
directory (XDG_RUNTIME_DIR of the bench) and is stopped between rows, so each row starts from a
known engine."""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from rust_mcp.dev import corpus
from rust_mcp.dev.engine_procs import analyzers_of, engine_pids, stop_engines, tree_rss_kib

from . import truth as t
from .cargo_rows import run_bare, time_to_tools_list
from .cold import Cold, poll_until_right
from .raw_ra import RawAnalyzer
from .report import in_turn
from .servers import (
    Launch,
    anchor_analyzer,
    anchor_cargo,
    one_tool_server,
    our_analyzer,
    our_cargo,
    rust_analyzer,
)
from .sides import AnchorSide, Kind, McpSide, OurSide, RawSide, Side
from .warm import wait_quiet
from .wire import McpPeer

ENGINE, OFF, ANCHOR = "ours, engine", "ours, engine off", "anchor"
WARM_UP = 3  # untimed rounds of each request before the timed ones
PYTHON_FLOOR, SDK_FLOOR = "floor: python -c pass", "floor: one-tool MCPServer"
SideOf = Callable[[McpPeer, t.Truth], McpSide]


@dataclass(frozen=True)
class Bench:
    """Where the bench works: its scratch directory, logs, the environment every side gets and the
    engine's private directory."""

    scratch: Path
    logs: Path
    env: Mapping[str, str]
    runtime: Path

    @property
    def engine_env(self) -> dict[str, str]:
        return {**self.env, "XDG_RUNTIME_DIR": str(self.runtime), "RUST_MCP_ENGINE": "on"}

    @property
    def off_env(self) -> dict[str, str]:
        return {**self.env, "RUST_MCP_ENGINE": "off"}

    def analyzer(self, who: str, root: Path) -> Launch:
        if who == ANCHOR:
            return anchor_analyzer(root, self.env)
        env = self.engine_env if who == ENGINE else self.off_env
        return replace(our_analyzer(root, env), label=f"rust-analyzer-mcp {who}")

    def side(self, who: str) -> SideOf:
        if who == ANCHOR:
            return lambda peer, truth: AnchorSide(peer, truth, who)
        return lambda peer, truth: OurSide(peer, truth, who)

    def engines(self) -> set[int]:
        return set(engine_pids(self.runtime))

    def stop_engine(self) -> None:
        stop_engines(self.runtime)


# -- start to tools/list ------------------------------------------------------------------------------


async def start_to_tools_list(bench: Bench, runs: int) -> dict[str, list[float]]:
    """Spawn, initialize and tools/list, interleaved, for the floor, the anchors and ours both ways;
    the engine is warmed by one untimed round first. The bare interpreter (`python -c pass`) is the
    floor of any Python front."""
    root = bench.scratch / "start"
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "Cargo.toml").write_text('[package]\nname = "start"\nversion = "0.1.0"\nedition = "2021"\n')
    (root / "src" / "lib.rs").write_text("")
    launches = {
        SDK_FLOOR: one_tool_server(bench.scratch, bench.env),
        "anchor cargo-mcp": anchor_cargo(bench.scratch, bench.env),
        "anchor rust-analyzer-mcp": anchor_analyzer(root, bench.env),
        "ours cargo-mcp, engine warm": replace(
            our_cargo(root, bench.scratch, bench.engine_env), label="c-on"
        ),
        "ours cargo-mcp, engine off": replace(our_cargo(root, bench.scratch, bench.off_env), label="c-off"),
        "ours rust-analyzer-mcp, engine warm": bench.analyzer(ENGINE, root),
        "ours rust-analyzer-mcp, engine off": bench.analyzer(OFF, root),
    }
    for label, launch in launches.items():  # warm-up: the engine starts, every cache is filled
        if label.endswith("engine warm"):
            await time_to_tools_list(launch, bench.logs)
    seconds: dict[str, list[float]] = defaultdict(list)
    labels = [PYTHON_FLOOR, *launches]
    for run in range(runs):
        for label in in_turn(labels, run):
            if label in launches:
                seconds[label].append((await time_to_tools_list(launches[label], bench.logs))[0])
            else:
                seconds[label].append(run_bare([sys.executable, "-c", "pass"], bench.env)[0])
    return seconds


# -- a later session's first right answer ---------------------------------------------------------------


async def first_right(
    bench: Bench, who: str, root: Path, truth: t.Truth, settle: bool = False
) -> float | None:
    """One session: spawn to its first right hover; with `settle`, it stays open until the server
    (and the engine) has finished indexing and checking, as a session that worked a while would."""
    peer = await bench.analyzer(who, root).start(bench.logs)
    try:
        await peer.initialize()
        result = Cold()
        await poll_until_right(bench.side(who)(peer, truth), "hover", peer.started, result)
        if settle:
            await wait_quiet({peer.pid} | bench.engines())
        return result.right_at
    finally:
        await peer.close()


@dataclass
class LaterSessions:
    first: dict[str, float | None] = field(default_factory=dict)
    later: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    never: dict[str, int] = field(default_factory=lambda: defaultdict(int))


async def later_sessions(
    bench: Bench, which: corpus.Corpus, query: t.Query, sides: tuple[str, ...], later: int
) -> LaterSessions:
    """A first session on each side's own fresh copy (kept open until idle), then `later` new
    sessions one after the other, interleaved between the sides: spawn to first right hover."""
    bench.stop_engine()
    figures = LaterSessions()
    roots = {
        who: corpus.copy(which, bench.scratch / f"later-{which.name}-{index}")
        for index, who in enumerate(sides)
    }
    truths = {who: t.compute(root, query) for who, root in roots.items()}
    for who in sides:
        figures.first[who] = await first_right(bench, who, roots[who], truths[who], settle=True)
    for run in range(later):
        for who in in_turn(list(sides), run):
            right = await first_right(bench, who, roots[who], truths[who])
            if right is None:
                figures.never[who] += 1
            else:
                figures.later[who].append(right)
    bench.stop_engine()
    return figures


# -- many sessions on one workspace -----------------------------------------------------------------


@dataclass
class Crowd:
    analyzers: dict[tuple[str, int], int] = field(default_factory=dict)  # (side, sessions) -> count
    rss_kib: dict[tuple[str, int], int] = field(default_factory=dict)
    all_right: dict[str, float] = field(default_factory=dict)  # the others' first right, seconds


async def crowd(bench: Bench, sessions: int, sides: tuple[str, ...] = (ENGINE, OFF)) -> Crowd:
    """One session on a fresh copy until right and idle (its memory: every process tree it needs,
    the engine's included); then `sessions - 1` more at once on the same copy, until all answer
    right and are idle: rust-analyzer processes and memory of all of them."""
    figures = Crowd()
    for who in sides:
        bench.stop_engine()
        root = corpus.copy(corpus.RIPGREP, bench.scratch / f"crowd-{who.replace(' ', '-').replace(',', '')}")
        truth = t.compute(root)
        peers = [await bench.analyzer(who, root).start(bench.logs)]
        try:
            await ask_until_right(bench, who, peers, truth)
            measure(bench, who, peers, figures)
            started = time.perf_counter()
            more = await asyncio.gather(
                *(bench.analyzer(who, root).start(bench.logs) for _ in range(sessions - 1))
            )
            peers.extend(more)
            await ask_until_right(bench, who, list(more), truth)
            figures.all_right[who] = time.perf_counter() - started
            measure(bench, who, peers, figures)
        finally:
            await asyncio.gather(*(peer.close() for peer in peers))
        bench.stop_engine()
    return figures


async def ask_until_right(bench: Bench, who: str, peers: list[McpPeer], truth: t.Truth) -> None:
    await asyncio.gather(*(peer.initialize() for peer in peers))
    results = [Cold() for _ in peers]
    side = bench.side(who)
    await asyncio.gather(
        *(
            poll_until_right(side(peer, truth), "hover", peer.started, r)
            for peer, r in zip(peers, results, strict=True)
        )
    )
    await wait_quiet({peer.pid for peer in peers} | bench.engines())


def measure(bench: Bench, who: str, peers: list[McpPeer], figures: Crowd) -> None:
    roots = {peer.pid for peer in peers} | bench.engines()
    figures.analyzers[(who, len(peers))] = len(analyzers_of(roots))
    figures.rss_kib[(who, len(peers))] = tree_rss_kib(roots)


# -- warm calls over raw rust-analyzer ------------------------------------------------------------------


@dataclass
class WarmCalls:
    seconds: dict[tuple[str, Kind], list[float]] = field(default_factory=lambda: defaultdict(list))
    not_right: Counter[tuple[str, Kind, str]] = field(default_factory=Counter)


async def warm_calls(bench: Bench, runs: int, kinds: tuple[Kind, ...]) -> WarmCalls:
    """Raw rust-analyzer, ours off and ours through the engine, each on its own copy, all right and
    idle first; then each request timed, interleaved (answers that are not right are counted)."""
    bench.stop_engine()
    roots = {
        who: corpus.copy(corpus.RIPGREP, bench.scratch / f"warm-{index}")
        for index, who in enumerate(("raw", ENGINE, OFF))
    }
    truths = {who: t.compute(root) for who, root in roots.items()}
    raw = await RawAnalyzer.start(
        rust_analyzer(),
        roots["raw"],
        bench.env,
        bench.logs / "raw-ra-engine.stderr",
        settings={"checkOnSave": False},
    )
    peers = {who: await bench.analyzer(who, roots[who]).start(bench.logs) for who in (ENGINE, OFF)}
    try:
        await asyncio.gather(*(peer.initialize() for peer in peers.values()))
        sides: list[Side] = [
            RawSide(raw, truths["raw"]),
            *(bench.side(who)(peers[who], truths[who]) for who in peers),
        ]
        await asyncio.gather(
            *(poll_until_right(side, "hover", time.perf_counter(), Cold()) for side in sides)
        )
        await wait_quiet({raw.peer.pid, *(peer.pid for peer in peers.values())} | bench.engines())
        for _ in range(WARM_UP):  # rust-analyzer's own caches for these queries, on every side
            for kind in kinds:
                for side in sides:
                    await side.ask(kind)
        await wait_quiet({raw.peer.pid, *(peer.pid for peer in peers.values())} | bench.engines())
        figures = WarmCalls()
        for run in range(runs):
            for kind in kinds:
                for side in in_turn(sides, run):
                    elapsed, outcome = await side.ask(kind)
                    figures.seconds[(side.label, kind)].append(elapsed)
                    if outcome != "right":
                        figures.not_right[(side.label, kind, outcome)] += 1
        return figures
    finally:
        await asyncio.gather(raw.close(), *(peer.close() for peer in peers.values()))
        bench.stop_engine()
