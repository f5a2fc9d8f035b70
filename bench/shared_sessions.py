"""Sessions sharing one process (issue 23's engine, in-process here): how long a session's first
right hover takes when it starts a rust-analyzer, when another session holds it warm, and when the
sessions before it have ended but the pool was kept warm; and a cargo_check run, joined and reused.
Prints one line per figure; run as `python -m bench.shared_sessions` (a few minutes on hello_bin and
lib_errors)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import anyio
from mcp import Client

from cargo_mcp.run import shared_checks
from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server as build_cargo_server
from ra_mcp.server import AnalyzerSettings
from ra_mcp.server import build_server as build_analyzer_server
from ra_mcp.workspace import shared_pools
from rust_mcp.core.roots import AllowedRoots

from .common import fixture_copy

SIGNATURE = "fn greeting(args: &[String]) -> String"


async def first_right_hover(client: Client, main: Path) -> float:
    """Seconds from the first call to a hover that shows the declaration, polling every 0.25 s."""
    started = time.monotonic()
    position = {"file_path": str(main), "line": 13, "column": 21}
    while True:
        result = await client.call_tool("rust_analyzer_hover", position)
        content: Any = result.structured_content or {}
        if SIGNATURE in str(content.get("markdown", "")):
            return time.monotonic() - started
        await anyio.sleep(0.25)


async def hovers() -> None:
    root = fixture_copy("hello_bin")
    main = root / "hello_bin" / "src" / "main.rs"
    settings = AnalyzerSettings(AllowedRoots((root,)))
    shared_pools.keep_warm_after_sessions(idle_seconds=600.0)
    try:
        async with Client(build_analyzer_server(settings), mode="legacy") as first:
            cold = await first_right_hover(first, main)
            async with Client(build_analyzer_server(settings), mode="legacy") as second:
                beside = await first_right_hover(second, main)
        async with Client(build_analyzer_server(settings), mode="legacy") as later:
            after = await first_right_hover(later, main)
        rust_analyzers = sum(len(row.workspaces) for row in shared_pools.status())
    finally:
        await shared_pools.close_all()
    print(f"first right hover, session starting rust-analyzer     {cold * 1000:9.1f} ms")
    print(f"first right hover, second session beside the first    {beside * 1000:9.1f} ms")
    print(f"first right hover, session after the others ended     {after * 1000:9.1f} ms")
    print(f"rust-analyzers running for the three sessions          {rust_analyzers:9d}")


async def checks() -> None:
    root = fixture_copy("lib_errors")
    call = {"path": str(root / "lib_errors")}
    settings = CargoSettings(AllowedRoots((root,)))
    before = shared_checks.RUNS.started
    async with (
        Client(build_cargo_server(settings), mode="legacy") as one,
        Client(build_cargo_server(settings), mode="legacy") as two,
    ):
        started = time.monotonic()
        async with anyio.create_task_group() as group:
            group.start_soon(one.call_tool, "cargo_check", call)
            group.start_soon(two.call_tool, "cargo_check", call)
        together = time.monotonic() - started
        started = time.monotonic()
        await two.call_tool("cargo_check", call)
        reused = time.monotonic() - started
        source = root / "lib_errors" / "src" / "lib.rs"
        source.write_text(source.read_text() + "\n")
        started = time.monotonic()
        await one.call_tool("cargo_check", call)
        edited = time.monotonic() - started
    print(f"two identical cargo_check at once (both answered)      {together * 1000:9.1f} ms")
    print(f"the same cargo_check again, nothing changed (reused)   {reused * 1000:9.1f} ms")
    print(f"cargo_check after an edit (cargo runs again)           {edited * 1000:9.1f} ms")
    print(f"cargo runs for the four calls                          {shared_checks.RUNS.started - before:9d}")


async def main() -> None:
    await hovers()
    await checks()


if __name__ == "__main__":
    anyio.run(main)
