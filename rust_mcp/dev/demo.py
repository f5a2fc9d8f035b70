"""`rust-mcp-demo`: a short scripted session against a copy of the bundled fixtures, through a real MCP
client over stdio, printing what an agent would see: a check with a parsed error, a failing test,
a hover, a definition and a rename preview."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp_types import TextContent

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SHOWN_LINES = 24


def _params(command: str, *args: str) -> StdioServerParameters:
    return StdioServerParameters(command=str(BIN / command), args=list(args), env=dict(os.environ))


async def _step(client: Client, title: str, tool: str, arguments: dict[str, Any], root: Path) -> None:
    shown = {
        k: (str(v).replace(str(root) + "/", "") if isinstance(v, str) else v) for k, v in arguments.items()
    }
    print(f"\n── {title}\n   {tool}({', '.join(f'{k}={v!r}' for k, v in shown.items())})")
    started = time.perf_counter()
    result = await client.call_tool(tool, arguments)
    elapsed = time.perf_counter() - started
    text = "\n".join(block.text for block in result.content if isinstance(block, TextContent))
    lines = text.replace(str(root) + "/", "").splitlines()
    for line in lines[:SHOWN_LINES]:
        print(f"   │ {line}")
    if len(lines) > SHOWN_LINES:
        print(f"   │ [... {len(lines) - SHOWN_LINES} more lines]")
    print(f"   └ isError={result.is_error}  {elapsed * 1000:.0f} ms")


async def run(root: Path) -> None:
    workspace = root / "workspace"
    main = workspace / "app" / "src" / "main.rs"
    column = main.read_text().split("\n")[15].index("Point::new(3.0") + 1
    async with Client(
        _params("cargo-mcp", "serve", "--root", str(root)), mode="legacy", read_timeout_seconds=900
    ) as cargo:
        await _step(
            cargo,
            "Check a crate with a type error: the error comes back parsed",
            "cargo_check",
            {"path": str(root / "lib_errors")},
            root,
        )
        await _step(
            cargo,
            "Run tests: counts, and the failing test's own output",
            "cargo_test",
            {"path": str(root / "tests_mixed")},
            root,
        )
    async with Client(
        _params("rust-analyzer-mcp", "--root", str(root)), mode="legacy", read_timeout_seconds=900
    ) as analyzer:
        await _step(
            analyzer,
            "Hover (1-based line and column, counted in characters; first call waits for indexing)",
            "rust_analyzer_hover",
            {"file_path": str(main), "line": 16, "column": column},
            root,
        )
        await _step(
            analyzer,
            "Go to a definition by symbol name, with its body",
            "rust_analyzer_definition",
            {"symbol": "Point::norm2", "workspace": str(workspace), "include_body": True},
            root,
        )
        await _step(
            analyzer,
            "Preview a rename across files (nothing is written without apply=true)",
            "rust_analyzer_rename",
            {"symbol": "Point::norm2", "workspace": str(workspace), "new_name": "squared_norm"},
            root,
        )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="rust-mcp-demo-") as scratch:
        root = Path(scratch) / "fixtures"
        shutil.copytree(REPO / "fixtures", root, ignore=shutil.ignore_patterns("target"))
        # the demo's own engine (the servers' fronts relay to it), stopped when the demo ends
        engine_dir = Path(scratch) / "run"
        engine_dir.mkdir(mode=0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(engine_dir)
        print(
            f"rust-mcp demo: cargo-mcp and rust-analyzer-mcp over stdio, on a copy of the fixtures in {root}"
        )
        try:
            anyio.run(run, root)
        finally:
            stop = [str(BIN / "rust-mcp-engine"), "stop"]
            subprocess.run(stop, env=dict(os.environ), timeout=60, check=False, capture_output=True)
    print("\nDone. Register the servers with your agent: see README.md.")


if __name__ == "__main__":
    main()
