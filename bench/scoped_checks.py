"""Does `changed=true` pay off? On a copy of the ripgrep corpus, through real stdio MCP clients:

1. a workspace-wide `cargo_check` (cold, then warm: what an agent has after its first check);
2. an edit in one crate, then `cargo_check changed=true` against a whole-workspace `cargo_check`
   after the same kind of edit, interleaved, `--runs` each;
3. optionally (`--before PATH`, another build's `cargo-mcp`, e.g. main's) the same scoped check by
   that server on the same build directory: what `--package` costs after a workspace build.

Each row: wall time and units compiled (cargo's `compiler-artifact` messages with `fresh: false`,
read from the run's full log).

Run: .venv/bin/python -m bench.scoped_checks [--crate grep-cli] [--runs 3] [--before PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
from mcp import Client

from bench.common import BIN, stdio
from rust_mcp.dev import corpus


def units_compiled(log_path: str | None) -> list[str]:
    if not log_path:
        return []
    names = []
    for line in Path(log_path).read_text(errors="replace").splitlines():
        if line.startswith("{") and '"compiler-artifact"' in line:
            message = json.loads(line)
            if message.get("reason") == "compiler-artifact" and not message.get("fresh"):
                names.append(str(message["target"]["name"]))
    return names


class Timed:
    def __init__(self, client: Client) -> None:
        self.client = client

    async def call(self, label: str, arguments: dict[str, Any]) -> tuple[float, list[str], dict[str, Any]]:
        started = time.perf_counter()
        result = await self.client.call_tool("cargo_check", arguments)
        took = time.perf_counter() - started
        body = result.structured_content or {}
        if result.is_error or not body.get("ok"):
            raise RuntimeError(f"{label} failed: {body.get('summary') or result.content}")
        units = units_compiled(body.get("log_path"))
        scope = body.get("scope") or {}
        how = f" [{scope.get('run', 'packages')}]" if scope else ""
        print(f"  {label:<38} {took:7.2f} s  {len(units):4d} units compiled{how}", flush=True)
        return took, units, body


def edit(source: Path, number: int) -> None:
    with source.open("a") as handle:
        handle.write(f"\n// bench edit {number}\n")


async def measure(workspace: Path, crate: str, runs: int, before: str | None, logs: Path) -> None:
    source = workspace / crate / "src" / "lib.rs"
    whole = {"path": str(workspace), "timeout_secs": 3600}
    scoped = {**whole, "changed": True}
    params = stdio(str(BIN / "cargo-mcp"), "serve", "--root", str(workspace), "--log-dir", str(logs))
    edits = 0
    async with Client(params, mode="legacy", read_timeout_seconds=3600) as client:
        ours = Timed(client)
        print(f"ripgrep corpus at {workspace}; edits in {crate}")
        await ours.call("workspace check (cold)", whole)
        await ours.call("workspace check (warm, nothing changed)", whole)
        times: dict[str, list[float]] = {"changed=true": [], "whole workspace": []}
        for _ in range(runs):
            for label, arguments in (("changed=true", scoped), ("whole workspace", whole)):
                edits += 1
                edit(source, edits)
                took, _, body = await ours.call(f"edit, then {label}", arguments)
                times[label].append(took)
                if "scope" in body and label == "changed=true":
                    print(f"    why: {body['scope'].get('run_reason')}")
        for label, values in times.items():
            print(f"  median {label:<31} {statistics.median(values):7.2f} s")
    if before is None:
        return
    params = stdio(before, "serve", "--root", str(workspace), "--log-dir", str(logs))
    async with Client(params, mode="legacy", read_timeout_seconds=3600) as client:
        other = Timed(client)
        print(f"the same build directory, {before}:")
        for attempt in ("first", "second"):
            edits += 1
            edit(source, edits)
            await other.call(f"edit, then changed=true ({attempt})", scoped)
        edits += 1
        edit(source, edits)
        await other.call("edit, then whole workspace", whole)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--crate", default="grep-cli", help="the ripgrep corpus member to edit")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", help="another cargo-mcp executable to compare on the same build")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rust-mcp-scoped-") as raw:
        scratch = Path(raw)
        workspace = corpus.copy(corpus.RIPGREP, scratch)
        subprocess.run(["git", "status", "--short"], cwd=workspace, check=True, capture_output=True)
        anyio.run(measure, workspace, args.crate, args.runs, args.before, scratch / "logs")


if __name__ == "__main__":
    main()
