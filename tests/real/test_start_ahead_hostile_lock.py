"""Fifth red team, the start ahead (ra_mcp/tool_set.start_default_workspace): a Cargo.lock that
lists only the workspace's own package says "everything fetched" (fetched_locally) although the
manifest names a git dependency at a loopback listener. The start ahead runs, and must still do
only what the strictest policy allows: no fetch reaching the listener and no Cargo.lock written
in the project, before any call (its own `target/` is allowed under every policy: build_dirs.py).
Real rust-analyzer-mcp over stdio, real rust-analyzer and bubblewrap, loopback only."""

from __future__ import annotations

import shutil
from pathlib import Path

import anyio
import pytest
from mcp import Client

from tests.support import FIXTURES, pids_under, require_bubblewrap, require_rust_analyzer, server_params
from tests.support.canaries import loopback_listener

pytestmark = [pytest.mark.anyio, pytest.mark.real]
WATCHED_SECONDS = 20.0  # how long a start ahead gets to show itself, at most


async def test_a_lockfile_saying_all_is_fetched_starts_nothing_the_policy_refuses(tmp_path: Path) -> None:
    require_rust_analyzer()
    require_bubblewrap()
    root = tmp_path / "root"
    crate = root / "hello_bin"
    shutil.copytree(FIXTURES / "hello_bin", crate, ignore=shutil.ignore_patterns("target"))
    lock = (crate / "Cargo.lock").read_text()
    with loopback_listener() as listener:
        manifest = (crate / "Cargo.toml").read_text()
        dependency = f'near = {{ git = "http://127.0.0.1:{listener.port}/near.git" }}\n'
        (crate / "Cargo.toml").write_text(manifest + dependency)
        params = server_params("rust-analyzer-mcp", "--root", str(root), "--allow-fetch-host", "127.0.0.1")
        async with Client(params, mode="legacy", read_timeout_seconds=600) as session:
            await session.list_tools()
            started = False
            with anyio.move_on_after(WATCHED_SECONDS):
                while not listener.connections:
                    started = started or bool(pids_under(crate, "rust-analyzer"))
                    await anyio.sleep(0.25)
        assert started, "no rust-analyzer started ahead: the lockfile did not pass as fetched"
        assert listener.connections == [], "a fetch ran before any call, under no client's policy"
        assert (crate / "Cargo.lock").read_text() == lock, "the start ahead rewrote Cargo.lock"
