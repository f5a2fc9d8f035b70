"""cargo_check right after rust-analyzer's own check (issue 23, "Checks shared between the two
servers"): before, cargo ran again (fresh, 0 units, but a whole cargo run); after, the call answers
from rust-analyzer's kept check. Both servers in this one process, as the engine hosts them; the
same files, the same flags (`workspace`, `all_targets`: rust-analyzer's), rounds interleaved (the
order alternates), medians. "Before" is the same call with the kept check withheld, so both sides
run in the same minute on the same loaded machine: read the ratio, not the seconds. Used by
bench/shared_build.py (`--reuse-only CORPUS` runs only this)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
from mcp import Client

from cargo_mcp import shared_checks
from cargo_mcp.server import build_server as build_cargo_server
from cargo_mcp.settings import CargoSettings
from ra_mcp.server import build_server as build_analyzer_server
from ra_mcp.settings import AnalyzerSettings
from rust_mcp.core import analyzer_checks
from rust_mcp.core.roots import AllowedRoots

from .build_records import records

REUSED = "reused rust-analyzer's cargo check"
CALL_TIMEOUT = 3600.0


def _body(result: Any) -> dict[str, Any]:
    return dict(result.structured_content or {})


def _findings(body: dict[str, Any]) -> set[tuple[object, ...]]:
    return {(d["level"], d["code"], d["file"], d["line"], d["column"]) for d in body.get("diagnostics", [])}


def _units(before: dict[str, int], after: dict[str, int]) -> int:
    """Units cargo compiled (their fingerprint records written) between two snapshots."""
    return len(
        {path.split(".fingerprint/")[1].split("/")[0] for path, at in after.items() if before.get(path) != at}
    )


def a_library_file(root: Path) -> Path:
    """A library's root file: rust-analyzer checks the whole workspace for it (for a binary's, a
    test's or a bench's file it checks only that target: other flags)."""
    return next(path for path in sorted(root.rglob("src/lib.rs")) if "target" not in path.parts)


async def reuse_rows(root: Path, logs: Path, rounds: int, row: Callable[[str, str, str], None]) -> None:
    roots = AllowedRoots((root,))
    side = "cargo_check after rust-analyzer's check"
    async with (
        Client(
            build_analyzer_server(AnalyzerSettings(roots)), mode="legacy", read_timeout_seconds=CALL_TIMEOUT
        ) as ra,
        Client(
            build_cargo_server(CargoSettings(roots, log_dir=logs / "reuse-cargo")),
            mode="legacy",
            read_timeout_seconds=CALL_TIMEOUT,
        ) as cargo,
    ):
        started = time.perf_counter()
        await ra.call_tool(
            "rust_analyzer_diagnostics",
            {"file_path": str(a_library_file(root)), "wait": True, "check_timeout_secs": int(CALL_TIMEOUT)},
        )
        with anyio.move_on_after(120):
            while str(root) not in analyzer_checks.FINISHED:
                await anyio.sleep(0.1)
        kept = analyzer_checks.FINISHED.get(str(root))
        row(
            side,
            "rust-analyzer's check to its end",
            f"{time.perf_counter() - started:.1f} s, kept: {kept is not None}",
        )
        if kept is None:
            return
        seconds: dict[str, list[float]] = {"before": [], "after": []}
        units: dict[str, list[int]] = {"before": [], "after": []}
        answers: dict[str, list[set[tuple[object, ...]]]] = {"before": [], "after": []}
        reused: dict[str, int] = {"before": 0, "after": 0}
        for index in range(rounds):
            for which in ("before", "after") if index % 2 == 0 else ("after", "before"):
                shared_checks.RUNS.forget()  # no answer from an identical cargo_check either
                if which == "before":
                    analyzer_checks.FINISHED.pop(str(root), None)
                else:
                    analyzer_checks.FINISHED[str(root)] = kept
                snapshot, begun = records(root), time.perf_counter()
                answer = await cargo.call_tool(
                    "cargo_check", {"path": str(root), "workspace": True, "all_targets": True}
                )
                seconds[which].append(time.perf_counter() - begun)
                units[which].append(_units(snapshot, records(root)))
                body = _body(answer)
                answers[which].append(_findings(body))
                reused[which] += any(REUSED in hint for hint in body.get("hints", []))
        for which, label in (("before", "before (cargo runs)"), ("after", "after (answered from it)")):
            took, built = statistics.median(seconds[which]) * 1000, statistics.median(units[which])
            row(
                side,
                f"{label}, median of {rounds}",
                f"{took:.0f} ms, units {built:.0f}, reused {reused[which]}/{rounds}",
            )
        ratio = statistics.median(seconds["before"]) / max(statistics.median(seconds["after"]), 1e-6)
        same = all(found == answers["before"][0] for found in answers["before"] + answers["after"])
        row(side, "before / after (same run)", f"{ratio:.0f}x; same findings on both sides: {same}")
