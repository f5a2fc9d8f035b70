"""cargo_mcp overhead, measured in one run on one machine:

1. `cargo_check` through the server (a real stdio MCP client) against bare `cargo check` on the
   same warm fixture, interleaved, median of N each.
2. Start-to-`tools/list` of `cargo-mcp serve` against a one-tool MCPServer started the same way.

Run: .venv/bin/python -m bench.cargo_overhead [--runs 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client

from bench.common import BIN, fixture_copy, median, ms, stdio
from bench.servers import ONE_TOOL_SERVER


async def check_overhead(runs: int) -> tuple[list[float], list[float]]:
    root = fixture_copy("hello_bin")
    project = root / "hello_bin"
    bare_argv = ["cargo", "check", "--manifest-path", str(project / "Cargo.toml")]
    await anyio.run_process(bare_argv)  # warm: the next checks are no-ops
    bare: list[float] = []
    served: list[float] = []
    async with Client(stdio(str(BIN / "cargo-mcp"), "serve", "--root", str(root)), mode="legacy") as client:
        await client.call_tool("cargo_check", {"path": str(project)})
        for _ in range(runs):
            started = time.perf_counter()
            await anyio.run_process(bare_argv)
            bare.append(time.perf_counter() - started)
            started = time.perf_counter()
            result = await client.call_tool("cargo_check", {"path": str(project)})
            served.append(time.perf_counter() - started)
            assert not result.is_error
    return bare, served


async def time_to_tools_list(command: list[str]) -> float:
    started = time.perf_counter()
    async with Client(stdio(command[0], *command[1:]), mode="legacy") as client:
        tools = await client.list_tools()
        elapsed = time.perf_counter() - started
        assert tools.tools
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--start-runs", type=int, default=20)
    args = parser.parse_args()

    bare, served = anyio.run(check_overhead, args.runs)
    overhead = median(served) - median(bare)
    print(f"cargo_check on a warm fixture, median of {args.runs} (same run, interleaved)")
    print(f"  bare `cargo check`          {ms(bare)}")
    print(f"  cargo_check via cargo-mcp   {ms(served)}")
    print(f"  overhead                    {overhead * 1000:8.1f} ms   (target < 15 ms)")

    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "one_tool_server.py"
        script.write_text(ONE_TOOL_SERVER)
        baseline: list[float] = []
        ours: list[float] = []
        for _ in range(args.start_runs):  # interleaved, so machine noise hits both alike
            baseline.append(anyio.run(time_to_tools_list, [sys.executable, str(script)]))
            ours.append(anyio.run(time_to_tools_list, [str(BIN / "cargo-mcp"), "serve", "--root", scratch]))
    print(f"start to tools/list, median of {args.start_runs}")
    print(f"  one-tool MCPServer          {ms(baseline)}")
    print(f"  cargo-mcp serve             {ms(ours)}")
    difference = (median(ours) - median(baseline)) * 1000
    print(f"  difference                  {difference:8.1f} ms   (target < 200 ms)")


if __name__ == "__main__":
    main()
