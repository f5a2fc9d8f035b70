"""Cold start: from spawning a server on a fresh copy of the corpus (no target/) to its first right
hover. Raw rust-analyzer and the Rust anchor are polled every ~100 ms, as a client that wants an
answer soon would do, and every empty, wrong or failed answer before the right one is counted;
ours is asked once (it waits until it can answer right). The timeline row logs rust-analyzer's own
`experimental/serverStatus` and `$/progress` next to when hover, definition and references first
become right."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import corpus
from . import truth as t
from .raw_ra import RawAnalyzer
from .servers import anchor_analyzer, our_analyzer, rust_analyzer
from .sides import KINDS, AnchorSide, Kind, OurSide, RawSide, Side

POLL_INTERVAL = 0.1
COLD_TIMEOUT = 600.0


@dataclass
class Cold:
    right_at: float | None = None  # seconds from spawn
    before: Counter[str] = field(default_factory=Counter)  # outcomes before the first right answer
    quiescent_at: float | None = None  # raw rust-analyzer only
    polls: list[tuple[float, float, str]] = field(default_factory=list)  # (sent, answered, outcome)


async def poll_until_right(side: Side, kind: Kind, started: float, result: Cold) -> None:
    while time.perf_counter() - started < COLD_TIMEOUT:
        sent = time.perf_counter() - started
        took, outcome = await side.ask(kind)
        result.polls.append((sent, sent + took, outcome))
        if outcome == "right":
            result.right_at = time.perf_counter() - started
            return
        result.before[outcome] += 1
        await asyncio.sleep(POLL_INTERVAL)


async def cold_raw(root: Path, env: Mapping[str, str], logs: Path) -> Cold:
    truth, result = t.compute(root), Cold()
    analyzer = await RawAnalyzer.start(rust_analyzer(), root, env, logs / "raw-ra-cold.stderr")
    try:
        await poll_until_right(RawSide(analyzer, truth), "hover", analyzer.peer.started, result)
        result.quiescent_at = await analyzer.wait_quiescent(COLD_TIMEOUT)
    finally:
        await analyzer.close()
    return result


async def cold_anchor(root: Path, env: Mapping[str, str], logs: Path) -> Cold:
    truth, result = t.compute(root), Cold()
    peer = await anchor_analyzer(root, env).start(logs)
    try:
        await peer.initialize()
        await poll_until_right(AnchorSide(peer, truth, "anchor"), "hover", peer.started, result)
    finally:
        await peer.close()
    return result


async def cold_ours(root: Path, env: Mapping[str, str], logs: Path) -> Cold:
    """Ours waits until it can answer right; if that takes longer than its --ready-timeout it says
    "still indexing" (an error, not an empty answer), and the client asks again."""
    truth, result = t.compute(root), Cold()
    peer = await our_analyzer(root, env).start(logs)
    try:
        await peer.initialize()
        await poll_until_right(OurSide(peer, truth, "ours"), "hover", peer.started, result)
    finally:
        await peer.close()
    return result


ColdRun = Callable[[Path, Mapping[str, str], Path], Awaitable[Cold]]


async def on_fresh_copy(run: ColdRun, env: Mapping[str, str], logs: Path) -> Cold:
    with tempfile.TemporaryDirectory(prefix="rust-mcp-cold-", ignore_cleanup_errors=True) as scratch:
        root = corpus.copy(corpus.RIPGREP, Path(scratch))
        return await run(root, env, logs)


# -- the timeline (investigation) -----------------------------------------------------------------


# progress titles of rust-analyzer's loading phases (`Building build-artifacts` in older versions)
LOADING = ("Fetching", "Building CrateGraph", "Roots Scanned", "Loading proc-macros")
BUILD_DATA = ("Building compile-time-deps", "Building build-artifacts")


@dataclass
class Timeline:
    events: list[tuple[float, str]]  # (seconds from spawn, what happened)
    polls: dict[str, list[tuple[float, float, str]]]
    ready_to_ask: float | None  # build data applied and the reload after it finished


def loaded_after_build_data(events: list[tuple[float, str, str]]) -> float | None:
    """When rust-analyzer had applied its build data (build scripts, proc macros) and finished the
    reload that follows: the end of the first VFS load (`Fetching`) that ends after build data
    ended, with no other loading phase running. `events` are (time, kind, title) of progress."""
    active: dict[str, int] = {}
    build_data_done = False
    for at, kind, title in events:
        if kind == "begin":
            active[title] = active.get(title, 0) + 1
        elif kind == "end":
            active[title] = max(0, active.get(title, 0) - 1)
            if title in BUILD_DATA:
                build_data_done = True
            elif (
                build_data_done
                and title == "Fetching"
                and not any(active.get(name) for name in (*LOADING, *BUILD_DATA))
            ):
                return at
    return None


async def timeline(env: Mapping[str, str], logs: Path, settings: Mapping[str, Any] | None = None) -> Timeline:
    """Raw rust-analyzer on a fresh copy, hover, definition and references each polled every ~100 ms
    until right, with every status and progress notification it sent."""
    with tempfile.TemporaryDirectory(prefix="rust-mcp-timeline-", ignore_cleanup_errors=True) as scratch:
        root = corpus.copy(corpus.RIPGREP, Path(scratch))
        truth = t.compute(root)
        analyzer = await RawAnalyzer.start(
            rust_analyzer(), root, env, logs / "raw-ra-timeline.stderr", settings
        )
        side = RawSide(analyzer, truth)
        started = analyzer.peer.started
        results = {kind: Cold() for kind in KINDS}
        try:
            await asyncio.gather(*(poll_until_right(side, kind, started, results[kind]) for kind in KINDS))
            await analyzer.wait_quiescent(COLD_TIMEOUT)
            await asyncio.sleep(0.5)
        finally:
            await analyzer.close()
        notifications = [(at - started, method, params) for at, method, params in analyzer.peer.notifications]
    titles: dict[str, str] = {}  # `end` carries no title: the token's `begin` named it
    progress = []
    for at, method, params in notifications:
        if method == "$/progress":
            token, value = str(params["token"]), params["value"]
            title = titles.setdefault(token, value.get("title", token))
            progress.append((at, value.get("kind"), title))
    return Timeline(
        events=[(at, text) for at, method, params in notifications if (text := describe(method, params))],
        polls={kind: r.polls for kind, r in results.items()},
        ready_to_ask=loaded_after_build_data(progress),
    )


def describe(method: str, params: Any) -> str:
    if method == "experimental/serverStatus":
        return f"serverStatus quiescent={params.get('quiescent')} health={params.get('health')}"
    if method == "$/progress":
        value = params.get("value", {})
        if value.get("kind") == "report":
            return ""
        title = value.get("title") or ""
        return f"progress {params.get('token')} {value.get('kind')} {title}".rstrip()
    return ""
