"""A rust-analyzer shared between sessions (the engine's pools) answers a session only if that
session's own client policy would let it start: one session without a policy (its build directory
outside the workspace is fine) must not open the way for a Codex session under `read-only`, whose
own start there is refused because rust-analyzer would write outside what the client may write.
Real rust-analyzer, real bubblewrap, real in-memory MCP sessions on a copy of hello_bin."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import cast

import pytest
from mcp import Client
from mcp_types import RequestParamsMeta

from ra_mcp.server import AnalyzerSettings, build_server
from ra_mcp.workspace import shared_pools
from rust_mcp.core.roots import AllowedRoots
from tests.support import FIXTURES, require_bubblewrap, require_rust_analyzer, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]
READ_ONLY = cast(RequestParamsMeta, {"codex/sandbox-state-meta": {"sandboxPolicy": {"type": "read-only"}}})
SIGNATURE = "fn greeting(args: &[String]) -> String"


async def test_a_shared_rust_analyzer_does_not_serve_a_session_whose_policy_refuses_it(
    tmp_path: Path, pool_registry: shared_pools.PoolRegistry
) -> None:
    require_rust_analyzer()
    require_bubblewrap()
    root = tmp_path / "root"
    crate = root / "hello_bin"
    shutil.copytree(FIXTURES / "hello_bin", crate, ignore=shutil.ignore_patterns("target"))
    (crate / ".cargo").mkdir()
    (crate / ".cargo" / "config.toml").write_text('[build]\ntarget-dir = "out"\n')
    hover = {"file_path": str(crate / "src" / "main.rs"), "line": 13, "column": 21}
    settings = AnalyzerSettings(AllowedRoots((root,)))

    async with (
        Client(build_server(settings), mode="legacy") as free,
        Client(build_server(settings), mode="legacy") as codex,
    ):
        alone = await codex.call_tool("rust_analyzer_hover", hover, meta=READ_ONLY)
        assert alone.is_error and "hello_bin/out" in text_of(alone), text_of(alone)
        served = await free.call_tool("rust_analyzer_hover", hover)
        assert SIGNATURE in text_of(served), text_of(served)
        again = await codex.call_tool("rust_analyzer_hover", hover, meta=READ_ONLY)
        assert again.is_error and "hello_bin/out" in text_of(again), text_of(again)
        assert SIGNATURE in text_of(await free.call_tool("rust_analyzer_hover", hover))
