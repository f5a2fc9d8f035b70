"""The cargo plugins the workflow tests drive (cargo-nextest, cargo-insta), installed by
`scripts/setup --clients` with `cargo install --locked` into a cache, and a cargo-mcp server that
finds them there."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from mcp import Client

from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server
from rust_mcp.core.roots import AllowedRoots
from tests.support import server_params

PLUGINS = Path(os.environ.get("RUST_MCP_TOOLS") or Path.home() / ".cache" / "rust-mcp" / "tools") / "bin"


def require_plugin(name: str) -> Path:
    """The plugin's executable, or a failure that says how to install it."""
    path = PLUGINS / name
    if not path.is_file():
        raise AssertionError(
            f"{path} is missing: run `scripts/setup --clients` (cargo install --locked --root "
            f"{PLUGINS.parent} {name})"
        )
    return path


@asynccontextmanager
async def cargo_with_plugins(root: Path, *plugins: str) -> AsyncIterator[Client]:
    """A cargo-mcp server whose PATH holds the plugins (cargo finds `cargo-X` on PATH)."""
    for plugin in plugins:
        require_plugin(plugin)
    params = server_params(
        "cargo-mcp", "serve", "--root", str(root), env={"PATH": f"{PLUGINS}{os.pathsep}{os.environ['PATH']}"}
    )
    async with Client(params, mode="legacy", read_timeout_seconds=900) as client:
        yield client


@asynccontextmanager
async def cargo_in_memory(root: Path) -> AsyncIterator[Client]:
    """An in-memory cargo-mcp server (fast tier: for refusals, which run nothing)."""
    settings = CargoSettings(AllowedRoots.from_strings([str(root)]), log_dir=root / "logs")
    async with Client(build_server(settings), mode="legacy") as client:
        yield client
