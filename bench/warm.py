"""Warm rows: raw rust-analyzer, the Rust anchor and ours, each with its own copy of the corpus, all
started, answering right and idle (no indexing, no cargo check running) before anything is timed;
then every figure is taken interleaved (raw, anchor, ours for each request in turn)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rust_mcp.dev import corpus
from rust_mcp.dev.proctree import tree_cpu_seconds

from . import truth as t
from .cold import Cold, poll_until_right
from .raw_ra import RawAnalyzer
from .report import in_turn
from .servers import anchor_analyzer, our_analyzer, rust_analyzer
from .sides import KINDS, AnchorSide, Kind, OurSide, RawSide, Side
from .wire import McpPeer, rss_kib

CONCURRENT = 8
QUIET_WINDOW = 3.0
QUIET_CPU = 0.15  # CPU seconds a whole process tree may use in the window and still count as idle


async def wait_quiet(pids: set[int], timeout: float = 1200.0) -> float:
    """Wait until the process trees use (almost) no CPU: indexing and cargo check have finished."""
    started = time.monotonic()
    before = tree_cpu_seconds(pids)
    while time.monotonic() - started < timeout:
        await asyncio.sleep(QUIET_WINDOW)
        after = tree_cpu_seconds(pids)
        if after - before < QUIET_CPU:
            return time.monotonic() - started
        before = after
    raise TimeoutError(f"processes {sorted(pids)} still busy after {timeout} s")


@dataclass
class Session:
    raw: RawSide
    anchor: AnchorSide
    ours: OurSide
    anchor_peer: McpPeer
    our_peer: McpPeer
    roots: dict[str, Path]
    calls: Counter[str] = field(default_factory=Counter)  # MCP tool calls made, per server
    rss: dict[str, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))

    @property
    def sides(self) -> tuple[Side, Side, Side]:
        return (self.raw, self.anchor, self.ours)

    def sample_memory(self) -> None:
        for label, peer in (("anchor", self.anchor_peer), ("ours", self.our_peer)):
            value = rss_kib(peer.pid)
            if value is not None:
                self.rss[label].append((self.calls[label], value))

    async def ask(self, side: Side, kind: Kind) -> tuple[float, str]:
        if side is not self.raw:
            self.calls["anchor" if side is self.anchor else "ours"] += 1
        return await side.ask(kind)


@asynccontextmanager
async def session(scratch: Path, env: Mapping[str, str], logs: Path) -> AsyncIterator[Session]:
    roots = {label: corpus.copy(corpus.RIPGREP, scratch / label) for label in ("raw", "anchor", "ours")}
    truths = {label: t.compute(root) for label, root in roots.items()}
    raw_analyzer = await RawAnalyzer.start(
        rust_analyzer(), roots["raw"], env, logs / "raw-ra-warm.stderr", settings={"checkOnSave": False}
    )
    anchor_peer = await anchor_analyzer(roots["anchor"], env).start(logs)
    our_peer = await our_analyzer(roots["ours"], env).start(logs)
    try:
        await anchor_peer.initialize()
        await our_peer.initialize()
        state = Session(
            raw=RawSide(raw_analyzer, truths["raw"]),
            anchor=AnchorSide(anchor_peer, truths["anchor"], "anchor"),
            ours=OurSide(our_peer, truths["ours"], "ours"),
            anchor_peer=anchor_peer,
            our_peer=our_peer,
            roots=roots,
        )
        ready = [Cold(), Cold(), Cold()]
        await asyncio.gather(
            *(
                poll_until_right(side, "hover", time.perf_counter(), r)
                for side, r in zip(state.sides, ready, strict=True)
            )
        )
        pids = {raw_analyzer.peer.pid, anchor_peer.pid, our_peer.pid}
        await wait_quiet(pids)
        for _ in range(3):  # the anchor's first calls after loading trigger a cargo check (didSave)
            for kind in KINDS:
                for side in state.sides:
                    await state.ask(side, kind)
        await wait_quiet(pids)
        state.sample_memory()
        yield state
    finally:
        await asyncio.gather(raw_analyzer.close(), anchor_peer.close(), our_peer.close())


@dataclass
class WarmTimes:
    seconds: dict[tuple[str, Kind], list[float]] = field(default_factory=lambda: defaultdict(list))
    not_right: Counter[tuple[str, Kind, str]] = field(default_factory=Counter)


async def warm_requests(state: Session, runs: int) -> WarmTimes:
    times = WarmTimes()
    for run in range(runs):
        for kind in KINDS:
            for side in in_turn(state.sides, run):
                elapsed, outcome = await state.ask(side, kind)
                times.seconds[(side.label, kind)].append(elapsed)
                if outcome != "right":
                    times.not_right[(side.label, kind, outcome)] += 1
    return times


async def concurrent_requests(state: Session, runs: int) -> tuple[dict[str, list[float]], Counter[str]]:
    """`CONCURRENT` hovers and `CONCURRENT` references sent at once; time until the last answer."""
    seconds: dict[str, list[float]] = defaultdict(list)
    not_right: Counter[str] = Counter()
    for run in range(runs):
        for side in in_turn(state.sides, run):
            kinds: list[Kind] = ["hover", "references"] * CONCURRENT
            started = time.perf_counter()
            answers = await asyncio.gather(*(state.ask(side, kind) for kind in kinds))
            seconds[side.label].append(time.perf_counter() - started)
            not_right[side.label] += sum(outcome != "right" for _, outcome in answers)
    return seconds, not_right


async def more_calls(state: Session, calls: int) -> None:
    """Keep the MCP servers busy with `calls` more hover/definition/references each (memory row)."""
    for index in range(calls):
        kind = KINDS[index % len(KINDS)]
        await state.ask(state.anchor, kind)
        await state.ask(state.ours, kind)
        if index == calls // 2:
            state.sample_memory()
    state.sample_memory()
