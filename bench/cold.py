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

from rust_mcp.dev import corpus

from . import truth as t
from .raw_ra import RawAnalyzer
from .servers import Launch, anchor_analyzer, our_analyzer, rust_analyzer
from .sides import KINDS, AnchorSide, Kind, OurSide, RawSide, Side
from .wire import McpPeer

POLL_INTERVAL = 0.1
COLD_TIMEOUT = 600.0


@dataclass
class Cold:
    right_at: float | None = None  # seconds from spawn
    before: Counter[str] = field(default_factory=Counter)  # outcomes before the first right answer
    quiescent_at: float | None = None  # raw rust-analyzer only
    build_data_at: float | None = None  # raw rust-analyzer only: its build data applied
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
    result.build_data_at = build_data_applied(
        progress_events(analyzer.peer.notifications, analyzer.peer.started)
    )
    return result


async def polled_server(
    launch: Launch, side: Callable[[McpPeer, t.Truth], Side], root: Path, logs: Path
) -> Cold:
    truth, result = t.compute(root), Cold()
    peer = await launch.start(logs)
    try:
        await peer.initialize()
        await poll_until_right(side(peer, truth), "hover", peer.started, result)
    finally:
        await peer.close()
    return result


async def cold_anchor(root: Path, env: Mapping[str, str], logs: Path) -> Cold:
    return await polled_server(
        anchor_analyzer(root, env), lambda p, t: AnchorSide(p, t, "anchor"), root, logs
    )


async def cold_ours(root: Path, env: Mapping[str, str], logs: Path) -> Cold:
    """Ours waits until it can answer right; if that takes longer than its --ready-timeout it says
    "still indexing" (an error, not an empty answer), and the client asks again."""
    return await polled_server(our_analyzer(root, env), lambda p, t: OurSide(p, t, "ours"), root, logs)


ColdRun = Callable[[Path, Mapping[str, str], Path], Awaitable[Cold]]


async def on_fresh_copy(run: ColdRun, env: Mapping[str, str], logs: Path) -> Cold:
    with tempfile.TemporaryDirectory(prefix="rust-mcp-cold-", ignore_cleanup_errors=True) as scratch:
        root = corpus.copy(corpus.RIPGREP, Path(scratch))
        return await run(root, env, logs)


# -- the timeline (investigation) -----------------------------------------------------------------


# rust-analyzer's progress titles: the build data (build scripts and proc macros; `Building
# build-artifacts` in older versions) and the phases that apply it (the VFS reload, `Fetching`, is
# left out: answers do not wait for it)
BUILD_DATA = ("Building compile-time-deps", "Building build-artifacts")
APPLYING = ("Building CrateGraph", "Roots Scanned", "Loading proc-macros")
SETTLE = 0.5  # seconds without a new applying phase before the build data counts as applied


@dataclass
class Timeline:
    events: list[tuple[float, str]]  # (seconds from spawn, what happened)
    polls: dict[str, list[tuple[float, float, str]]]
    ready_to_ask: float | None  # build data applied


def build_data_applied(events: list[tuple[float, str, str]]) -> float | None:
    """When rust-analyzer had its build data (build scripts run, proc macros built) and had applied
    it: the crate graph rebuilt and the proc macros loaded, with no such phase starting again within
    SETTLE seconds. `events` are (seconds, kind, title) of its `$/progress`."""
    active: dict[str, int] = {}
    done = False
    candidate: float | None = None
    for at, kind, title in events:
        if candidate is not None and at - candidate >= SETTLE:
            return candidate
        if title in BUILD_DATA and kind == "end":
            done, candidate = True, at
        elif title in APPLYING and kind == "begin":
            active[title] = active.get(title, 0) + 1
            candidate = None
        elif title in APPLYING and kind == "end":
            active[title] = max(0, active.get(title, 0) - 1)
            if done and not any(active.values()):
                candidate = at
    return candidate


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
    progress = progress_events(analyzer.peer.notifications, started)
    return Timeline(
        events=[(at, text) for at, method, params in notifications if (text := describe(method, params))],
        polls={kind: r.polls for kind, r in results.items()},
        ready_to_ask=build_data_applied(progress),
    )


def progress_events(
    notifications: list[tuple[float, str, Any]], started: float
) -> list[tuple[float, str, str]]:
    """(seconds from `started`, begin/report/end, title) of each `$/progress` notification."""
    titles: dict[str, str] = {}  # `end` carries no title: the token's `begin` named it
    events = []
    for at, method, params in notifications:
        if method == "$/progress":
            token, value = str(params["token"]), params["value"]
            title = titles.setdefault(token, value.get("title", token))
            events.append((at - started, str(value.get("kind")), title))
    return events


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
