"""Build output on the large corpus (rust_mcp/dev/corpus.py LARGE), issue 22's problem 6: how many cold
builds, how much disk and how much CPU each side costs, today's layout (rust-analyzer in
<target>/rust-analyzer, the audit in target/rust-mcp-audit, cargo_check in target/) against the
shared one (all three in target/, flags agreeing), with raw rust-analyzer and bare cargo in the same
run, interleaved, on fresh copies.

Per layout: first right hover cold; rust-analyzer's check to its end; then cargo_check
(`workspace`, `all_targets`: rust-analyzer's flags) and the unsafe audit, each with the units cargo
compiled (its `Checking`/`Compiling` lines; 0 is "no extra cold build"); disk of every build
directory; diagnostics freshness after an edit on the warm workspace (a type error written into a
member: until rust_analyzer_diagnostics lists it, and after the fix until it is gone; median of
REPEATS); first right hover on a warm restart. CPU is every process a side started (its own cpuacct
cgroup, so children killed or reaped anywhere count too).

Then cargo_check right after rust-analyzer's check, before (cargo runs) and after (answered from the
check), interleaved: bench/reuse_rows.py.

python -m bench.shared_build --baseline /path/to/main/.venv/bin   # today's servers from that venv
python -m bench.shared_build --reuse-only ripgrep                  # only the reuse rows, on that corpus
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from rust_mcp.dev import corpus

from . import truth as t
from .big import EDITED, PROPERTIES, inject
from .build_records import BUILT, build_dirs, compiled, medians, records, units_built
from .cold import Cold, poll_until_right
from .cpu_groups import CpuGroup
from .raw_ra import RawAnalyzer
from .report import RESULTS
from .reuse_rows import reuse_rows
from .servers import OURS, Launch, base_env, rust_analyzer
from .sides import OurSide, RawSide
from .wire import McpPeer

REPEATS = 3
CALL_TIMEOUT = 1800.0
OUTPUT = RESULTS / f"shared-build-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}.txt"
rows: list[tuple[str, str, str]] = []  # (side, measure, value) for the table at the end


def say(line: str) -> None:
    print(line, flush=True)
    with OUTPUT.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def row(side: str, measure: str, value: str) -> None:
    rows.append((side, measure, value))
    say(f"  {side}: {measure}: {value}")


async def diagnostics_lines(peer: McpPeer, root: Path) -> set[int]:
    answer = await peer.call("rust_analyzer_diagnostics", {"file_path": str(root / EDITED)}, CALL_TIMEOUT)
    found = (answer.get("structuredContent") or {}).get("diagnostics", [])
    return {d.get("line") for d in found if d.get("severity") == "error"}


async def freshness(peer: McpPeer, root: Path) -> tuple[float, float]:
    """Seconds from writing the error until listed, and from the fix until gone."""
    original, line = inject(root)
    written = time.perf_counter()
    try:
        while (
            line not in await diagnostics_lines(peer, root) and time.perf_counter() - written < CALL_TIMEOUT
        ):
            await asyncio.sleep(0.2)
        shown = time.perf_counter() - written
    finally:
        (root / EDITED).write_text(original, encoding="utf-8")
    fixed = time.perf_counter()
    while line in await diagnostics_lines(peer, root) and time.perf_counter() - fixed < CALL_TIMEOUT:
        await asyncio.sleep(0.2)
    return shown, time.perf_counter() - fixed


async def first_hover(peer: McpPeer, root: Path) -> str:
    result = Cold()
    await poll_until_right(OurSide(peer, t.compute(root, PROPERTIES), "ours"), "hover", peer.started, result)
    before = sum(result.before.values())
    return (
        f"{result.right_at:.1f} s" + (f" ({before} answers before)" if before else "")
        if result.right_at
        else "never"
    )


async def layout(name: str, bin_dir: Path, root: Path, logs: Path) -> None:
    env = base_env()
    ra_cpu, cargo_cpu = CpuGroup(f"{name}-ra"), CpuGroup(f"{name}-cargo")
    analyzer = Launch(
        f"{name} ra", ra_cpu.wrap((str(bin_dir / "rust-analyzer-mcp"), "--root", str(root))), env, root
    )
    cargo_argv = (
        str(bin_dir / "cargo-mcp"),
        "serve",
        "--root",
        str(root),
        "--log-dir",
        str(logs / f"{name}-cargo"),
    )
    cargo = Launch(f"{name} cargo", cargo_cpu.wrap(cargo_argv), env, root)
    peer = await analyzer.start(logs)
    try:
        await peer.initialize()
        row(name, "cold first right hover", await first_hover(peer, root))
        started = time.perf_counter()
        await peer.call(
            "rust_analyzer_diagnostics",
            {"file_path": str(root / EDITED), "wait": True, "check_timeout_secs": 3600},
            CALL_TIMEOUT,
        )
        row(
            name,
            "rust-analyzer's check done",
            f"+{time.perf_counter() - started:.1f} s, {ra_cpu.seconds():.0f} s CPU so far",
        )
        row(name, "disk after rust-analyzer's check", build_dirs(root))
        helper = await cargo.start(logs)
        try:
            await helper.initialize()
            cpu, started, before = cargo_cpu.seconds(), time.perf_counter(), records(root)
            answer = await helper.call(
                "cargo_check", {"path": str(root), "workspace": True, "all_targets": True}, CALL_TIMEOUT
            )
            took = time.perf_counter() - started
            row(
                name,
                "then cargo_check",
                f"{took:.1f} s, {cargo_cpu.seconds() - cpu:.0f} s CPU, "
                f"{units_built(answer)} Checking/Compiling lines; "
                f"{compiled(before, records(root))}",
            )
        finally:
            await helper.close()
        cpu, started, before = ra_cpu.seconds(), time.perf_counter(), records(root)
        audit = await peer.call("rust_analyzer_unsafe_audit", {"workspace": str(root)}, CALL_TIMEOUT)
        ran = (audit.get("structuredContent") or {}).get("clippy_ran")
        row(
            name,
            "then the audit",
            f"{time.perf_counter() - started:.1f} s, {ra_cpu.seconds() - cpu:.0f} s CPU (clippy ran: {ran}); "
            f"{compiled(before, records(root))}",
        )
        row(name, "disk after all three", build_dirs(root))
        shown, gone = zip(*[await freshness(peer, root) for _ in range(REPEATS)], strict=True)
        row(
            name,
            f"freshness, median of {REPEATS}",
            medians(shown, gone),
        )
    finally:
        await peer.close()
    row(
        name,
        "CPU, whole cold session",
        f"rust-analyzer-mcp {ra_cpu.seconds():.0f} s, cargo-mcp {cargo_cpu.seconds():.0f} s",
    )
    peer = await analyzer.start(logs)
    try:
        await peer.initialize()
        row(name, "warm restart first right hover", await first_hover(peer, root))
    finally:
        await peer.close()
    ra_cpu.close()
    cargo_cpu.close()


async def raw_side(root: Path, logs: Path) -> None:
    for run in ("cold", "warm"):
        group = CpuGroup(f"raw-{run}")
        truth, result = t.compute(root, PROPERTIES), Cold()
        analyzer = await RawAnalyzer.start(
            str(group.script(rust_analyzer())), root, base_env(), logs / f"raw-{run}.stderr"
        )
        try:
            await poll_until_right(RawSide(analyzer, truth), "hover", analyzer.peer.started, result)
            right = (
                f"{result.right_at:.1f} s ({sum(result.before.values())} answers before)"
                if result.right_at
                else "never"
            )
            row("raw rust-analyzer", f"{run} first right hover", right)
            await analyzer.wait_idle(CALL_TIMEOUT)
            row(
                "raw rust-analyzer",
                f"{run} check done",
                f"{time.perf_counter() - analyzer.peer.started:.1f} s, {group.seconds():.0f} s CPU",
            )
        finally:
            await analyzer.close()
        group.close()
    row("raw rust-analyzer", "disk", build_dirs(root))


async def bare_cargo(root: Path, group: CpuGroup) -> tuple[int, str]:
    argv = group.wrap(("cargo", "check", "--workspace", "--all-targets", "--message-format=short"))
    process = await asyncio.create_subprocess_exec(
        *argv, cwd=root, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await process.communicate()
    return process.returncode or 0, stderr.decode(errors="replace")


async def cargo_side(root: Path) -> None:
    group = CpuGroup("bare-cargo")
    started = time.perf_counter()
    code, stderr = await bare_cargo(root, group)
    row(
        "bare cargo",
        "cold check --workspace --all-targets",
        f"{time.perf_counter() - started:.1f} s, {group.seconds():.0f} s CPU, exit {code}, "
        f"{len(BUILT.findall(stderr))} units",
    )
    row("bare cargo", "disk", build_dirs(root))
    shown, gone = [], []
    for _ in range(REPEATS):
        original, _line = inject(root)
        try:
            started = time.perf_counter()
            await bare_cargo(root, group)
            shown.append(time.perf_counter() - started)
        finally:
            (root / EDITED).write_text(original, encoding="utf-8")
        started = time.perf_counter()
        await bare_cargo(root, group)
        gone.append(time.perf_counter() - started)
    row("bare cargo", f"freshness, median of {REPEATS}", medians(shown, gone))
    group.close()


def table() -> None:
    say("")
    say("| side | measure | value |")
    say("|---|---|---|")
    for side, measure, value in rows:
        say(f"| {side} | {measure} | {value} |")


async def run(scratch: Path, baseline: Path | None) -> None:
    logs = scratch / "logs"
    logs.mkdir()
    say(
        f"corpus: {corpus.LARGE.name}, {len(corpus.LARGE.members)} crates.io crates; "
        f"servers: today = {baseline}, shared = {OURS}"
    )
    say(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    sides = ["cargo", "raw", "shared", *(["today"] if baseline else [])]
    roots = {side: corpus.copy(corpus.LARGE, scratch / side) for side in sides}
    await layout("shared", OURS, roots["shared"], logs)
    if baseline is not None:
        await layout("today", baseline, roots["today"], logs)
    await reuse_rows(roots["shared"], logs, REPEATS, row)
    await raw_side(roots["raw"], logs)
    await cargo_side(roots["cargo"])
    table()


async def reuse_only(scratch: Path, name: str, rounds: int) -> None:
    chosen = {"ripgrep": corpus.RIPGREP, "memchr": corpus.MEMCHR, "large": corpus.LARGE}[name]
    logs = scratch / "logs"
    logs.mkdir()
    say(f"corpus: {chosen.name}; load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    await reuse_rows(corpus.copy(chosen, scratch / "reuse"), logs, rounds, row)
    table()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, help="bin directory of a venv with today's servers")
    parser.add_argument("--reuse-only", choices=("ripgrep", "memchr", "large"), help="only the reuse rows")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds of the reuse rows")
    args = parser.parse_args()
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rust-mcp-shared-", ignore_cleanup_errors=True) as scratch:
        if args.reuse_only:
            asyncio.run(reuse_only(Path(scratch), args.reuse_only, args.rounds))
        else:
            asyncio.run(run(Path(scratch), args.baseline))
    print(f"written to {OUTPUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
