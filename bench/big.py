"""The large corpus (rust_mcp/dev/corpus.py LARGE: 53 crates, 617k lines), one run, three sides on three
fresh copies: bare `cargo check --workspace`, raw rust-analyzer and ours (rust-analyzer-mcp).

- first right answer: hover on `hir::Properties` (declared in regex-syntax, used from regex-automata), polled
  every ~100 ms from spawn until right, cold (no target/) and on a warm restart;
- disk and CPU: every build directory under each copy's target/ (target/debug, target/rust-analyzer,
  target/rust-mcp-audit...), and the CPU time (user + system, children included) of each phase;
- diagnostics freshness: from writing a type error into a member to ours listing it
  (rust_analyzer_diagnostics), against bare `cargo check --workspace` run after the same edit.

python -m bench.big      # ~30 min on 2 cores; the output also goes to bench/results/big-<time>.txt
"""

from __future__ import annotations

import asyncio
import os
import resource
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rust_mcp.dev import corpus

from . import truth as t
from .cold import COLD_TIMEOUT, Cold, poll_until_right
from .raw_ra import RawAnalyzer
from .report import RESULTS
from .servers import base_env, our_analyzer, rust_analyzer
from .sides import OurSide, RawSide

# (a doc comment's first line with an intra-doc link hovers rendered as a link: not compared)
PROPERTIES = t.Query(
    name="Properties",
    kind="struct",
    declared_in="regex-syntax/src/hir/mod.rs",
    used_in="regex-automata/src/meta/regex.rs",
    used_as="props_union: hir::Properties,",
)
EDITED = "either/src/lib.rs"
INJECTED = '\npub fn bench_freshness_probe() -> u32 {\n    "not a number"\n}\n'
FRESH_TIMEOUT = 900.0
OUTPUT = RESULTS / f"big-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}.txt"


def say(line: str) -> None:
    """Printed and appended to the results file at once: a run cut short keeps what it measured."""
    print(line, flush=True)
    with OUTPUT.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def cpu_seconds() -> float:
    """User + system time of every child process waited for so far (their children included)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def disk_bytes(path: Path) -> int:
    """Bytes on disk under `path`, each hard-linked file once."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for directory, _, files in os.walk(path):
        for name in files:
            try:
                stat = os.lstat(os.path.join(directory, name))
            except OSError:
                continue
            if (stat.st_dev, stat.st_ino) not in seen:
                seen.add((stat.st_dev, stat.st_ino))
                total += stat.st_blocks * 512
    return total


def report_disk(side: str, root: Path) -> None:
    target = root / "target"
    if not target.is_dir():
        say(f"  disk {side}: no target/")
        return
    parts = [f"target/ {disk_bytes(target) / 1e9:.2f} GB"]
    for child in sorted(target.iterdir()):
        if child.is_dir():
            parts.append(f"target/{child.name} {disk_bytes(child) / 1e9:.2f} GB")
    say(f"  disk {side}: " + ", ".join(parts))


async def measured(label: str, work: Callable[[], Awaitable[Any]]) -> Any:
    cpu, wall = cpu_seconds(), time.perf_counter()
    result = await work()
    say(f"  {label}: {time.perf_counter() - wall:.1f} s wall, {cpu_seconds() - cpu:.1f} s CPU")
    return result


async def bare_cargo(root: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        "cargo",
        "check",
        "--workspace",
        "--message-format=short",
        cwd=root,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    return process.returncode or 0, stderr.decode(errors="replace")


def describe(cold: Cold) -> str:
    before = ", ".join(f"{n} {outcome}" for outcome, n in sorted(cold.before.items())) or "none"
    right = f"{cold.right_at:.1f} s" if cold.right_at is not None else f"not right in {COLD_TIMEOUT:.0f} s"
    return f"first right hover {right} (answers before it: {before})"


async def raw_side(root: Path, logs: Path, run: str) -> None:
    truth, result = t.compute(root, PROPERTIES), Cold()
    analyzer = await RawAnalyzer.start(rust_analyzer(), root, base_env(), logs / f"raw-{run}.stderr")
    try:
        await poll_until_right(RawSide(analyzer, truth), "hover", analyzer.peer.started, result)
        say(f"  raw rust-analyzer {run}: {describe(result)}")
        await analyzer.wait_idle(COLD_TIMEOUT)  # its check of every target: the rest of the CPU
        idle = time.perf_counter() - analyzer.peer.started
        say(f"  raw rust-analyzer {run}: idle (check done) at {idle:.1f} s")
    finally:
        await analyzer.close()


async def our_side(root: Path, logs: Path, run: str, fresh: bool) -> None:
    truth, result = t.compute(root, PROPERTIES), Cold()
    peer = await our_analyzer(root, base_env()).start(logs / run)
    try:
        await peer.initialize()
        await poll_until_right(OurSide(peer, truth, "ours"), "hover", peer.started, result)
        say(f"  ours {run}: {describe(result)}")
        if fresh:
            say(f"  ours {run}: diagnostics freshness {await our_freshness(peer, root)}")
    finally:
        await peer.close()


def inject(root: Path) -> tuple[str, int]:
    path = root / EDITED
    original = path.read_text(encoding="utf-8")
    path.write_text(original + INJECTED, encoding="utf-8")
    return original, (original + INJECTED).split("\n").index('    "not a number"') + 1


async def our_freshness(peer: Any, root: Path) -> str:
    original, line = inject(root)
    written = time.perf_counter()
    calls = 0
    try:
        while time.perf_counter() - written < FRESH_TIMEOUT:
            calls += 1
            answer = await peer.call(
                "rust_analyzer_diagnostics", {"file_path": str(root / EDITED)}, FRESH_TIMEOUT
            )
            found = (answer.get("structuredContent") or {}).get("diagnostics", [])
            if any(d.get("line") == line and d.get("severity") == "error" for d in found):
                took = time.perf_counter() - written
                return f"{took:.1f} s from the write to the error listed ({calls} call(s))"
            await asyncio.sleep(0.5)
        return f"error not listed in {FRESH_TIMEOUT:.0f} s ({calls} calls)"
    finally:
        (root / EDITED).write_text(original, encoding="utf-8")


async def cargo_freshness(root: Path) -> str:
    original, line = inject(root)
    try:
        written = time.perf_counter()
        code, stderr = await bare_cargo(root)
        seen = f"{EDITED}:{line}:" in stderr
        return (
            f"{time.perf_counter() - written:.1f} s (exit {code}, error {'reported' if seen else 'MISSING'})"
        )
    finally:
        (root / EDITED).write_text(original, encoding="utf-8")


async def run(scratch: Path) -> None:
    logs = scratch / "logs"
    logs.mkdir()
    say(f"corpus: {corpus.LARGE.name}, {len(corpus.LARGE.members)} crates.io crates (rust_mcp/dev/corpus.py)")
    say(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (other work shares them)")
    roots = {side: corpus.copy(corpus.LARGE, scratch / side) for side in ("cargo", "raw", "ours")}
    say("bare cargo:")
    code, _ = await measured("cold cargo check --workspace", lambda: bare_cargo(roots["cargo"]))
    say(f"  exit {code}")
    report_disk("bare cargo", roots["cargo"])
    say(f"  freshness: cargo check --workspace after the edit {await cargo_freshness(roots['cargo'])}")
    say("raw rust-analyzer (default settings: checks into target/):")
    await measured("cold start to idle", lambda: raw_side(roots["raw"], logs, "cold"))
    report_disk("raw rust-analyzer", roots["raw"])
    await measured("warm restart to idle", lambda: raw_side(roots["raw"], logs, "warm"))
    say("ours (rust-analyzer-mcp):")
    await measured(
        "cold start, first answer and freshness", lambda: our_side(roots["ours"], logs, "cold", True)
    )
    report_disk("ours", roots["ours"])
    await measured("warm restart", lambda: our_side(roots["ours"], logs, "warm", False))
    report_disk("ours after the restart", roots["ours"])


def main() -> None:
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rust-mcp-big-", ignore_cleanup_errors=True) as scratch:
        asyncio.run(run(Path(scratch)))
    print(f"written to {OUTPUT}")


if __name__ == "__main__":
    main()
