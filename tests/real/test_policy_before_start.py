"""A Codex session under `read-only` (no network) starts no rust-analyzer its policy refuses, and no
dependency fetch: its first call is refused (the build directory `out` is not what the client may
write), and nothing ran before it, so no `out` was made and the loopback listener the crate names
(an operator-allowed fetch host) got no connection. A rust-analyzer started ahead of the first call
(at session start, when no policy has arrived yet) must keep this. The control: a session without a
policy starts it, fetches and makes `out`. The server as clients start it (its command line), real
rust-analyzer, real bubblewrap, loopback only."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import cast

import anyio
import pytest
from mcp import Client
from mcp_types import RequestParamsMeta

from tests.support import FIXTURES, require_bubblewrap, require_rust_analyzer, server_params, text_of
from tests.support.canaries import loopback_listener

pytestmark = [pytest.mark.anyio, pytest.mark.real]
READ_ONLY = cast(RequestParamsMeta, {"codex/sandbox-state-meta": {"sandboxPolicy": {"type": "read-only"}}})
WATCHED_SECONDS = 8.0  # how long a start ahead of the call gets to show itself, at most


async def test_a_read_only_codex_session_starts_and_fetches_nothing_it_refuses(tmp_path: Path) -> None:
    require_rust_analyzer()
    require_bubblewrap()
    root = tmp_path / "root"
    crate = root / "hello_bin"
    shutil.copytree(FIXTURES / "hello_bin", crate, ignore=shutil.ignore_patterns("target", "Cargo.lock"))
    (crate / ".cargo").mkdir()
    (crate / ".cargo" / "config.toml").write_text('[build]\ntarget-dir = "out"\n')
    hover = {"file_path": str(crate / "src" / "main.rs"), "line": 1, "column": 1}
    with loopback_listener() as listener:
        manifest = (crate / "Cargo.toml").read_text()
        dependency = f'near = {{ git = "http://127.0.0.1:{listener.port}/near.git" }}\n'
        (crate / "Cargo.toml").write_text(manifest + dependency)
        params = server_params("rust-analyzer-mcp", "--root", str(root), "--allow-fetch-host", "127.0.0.1")

        async with Client(params, mode="legacy", read_timeout_seconds=600) as codex:
            refused = await codex.call_tool("rust_analyzer_hover", hover, meta=READ_ONLY)
            assert refused.is_error and "hello_bin/out" in text_of(refused), text_of(refused)
            with anyio.move_on_after(WATCHED_SECONDS):
                while not listener.connections and not (crate / "out").exists():
                    await anyio.sleep(0.25)
        assert listener.connections == [], "a fetch ran for a session whose policy has no network"
        assert not (crate / "out").exists(), "rust-analyzer ran with a build directory the policy refuses"

        async with Client(params, mode="legacy", read_timeout_seconds=600) as free:  # the control
            await free.call_tool("rust_analyzer_hover", hover)
        assert listener.connections, "the control's fetch did not reach the listener"
        assert (crate / "out").is_dir()
