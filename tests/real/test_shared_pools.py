"""Two rust-analyzer-mcp servers in one process (as the engine hosts sessions) share one warm
rust-analyzer when their keys are equal, while each keeps its own roots: real rust-analyzer, real
in-memory MCP sessions, on a copy of the hello_bin fixture."""

from __future__ import annotations

import shutil
from contextlib import AsyncExitStack
from pathlib import Path

import anyio
import pytest
from mcp import Client

from ra_mcp.server import AnalyzerSettings, build_server
from ra_mcp.workspace import shared_pools
from rust_mcp.core.roots import AllowedRoots
from tests.real.test_ra_tools import ra_structured
from tests.support import FIXTURES, pids_under, require_bubblewrap, require_rust_analyzer, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]
SIGNATURE = "fn greeting(args: &[String]) -> String"


def analyzer_pids(pool_registry: shared_pools.PoolRegistry, root: Path) -> list[int]:
    """The rust-analyzers the pool_registry runs for workspaces under `root`."""
    return [
        w.pid
        for row in pool_registry.status()
        for w in row.workspaces
        if w.pid is not None and w.root.startswith(str(root))
    ]


async def hover(client: Client, main: Path) -> dict[str, object]:
    position = {"file_path": str(main), "line": 13, "column": 21}  # greeting(&args)
    result = await client.call_tool("rust_analyzer_hover", position)
    return ra_structured("rust_analyzer_hover", result)


async def test_two_sessions_share_one_rust_analyzer_and_keep_their_own_roots(
    tmp_path: Path, pool_registry: shared_pools.PoolRegistry
) -> None:
    require_rust_analyzer()
    require_bubblewrap()
    root_a, root_b = tmp_path / "a", tmp_path / "b"
    crate = root_a / "hello_bin"
    shutil.copytree(FIXTURES / "hello_bin", crate, ignore=shutil.ignore_patterns("target"))
    root_b.mkdir()
    main = crate / "src" / "main.rs"
    settings_a = AnalyzerSettings(AllowedRoots((root_a,)))
    settings_b = AnalyzerSettings(AllowedRoots((root_b,)))
    shared_pools.keep_warm_after_sessions(idle_seconds=600.0)

    async with AsyncExitStack() as second_stack:
        second = await second_stack.enter_async_context(Client(build_server(settings_a), mode="legacy"))
        async with (
            Client(build_server(settings_a), mode="legacy") as first,
            Client(build_server(settings_b), mode="legacy") as elsewhere,
        ):
            answers: list[dict[str, object]] = []

            async def ask(client: Client) -> None:
                answers.append(await hover(client, main))

            async with anyio.create_task_group() as group:
                group.start_soon(ask, first)
                group.start_soon(ask, second)
            assert len(answers) == 2
            assert all(a.get("found") and SIGNATURE in str(a.get("markdown")) for a in answers), answers
            pids = analyzer_pids(pool_registry, root_a)
            assert len(pids) == 1, pool_registry.status()
            assert len(pids_under(crate, "rust-analyzer")) == 1, pids_under(crate, "rust-analyzer")
            rows = [row for row in pool_registry.status() if str(root_a) in row.key]
            assert [row.sessions for row in rows] == [2]

            refused = await elsewhere.call_tool(
                "rust_analyzer_hover", {"file_path": str(main), "line": 13, "column": 21}
            )
            assert refused.is_error and str(main) in text_of(refused), text_of(refused)
            assert SIGNATURE not in text_of(refused)
            assert SIGNATURE in str((await hover(first, main)).get("markdown"))  # still working
            assert analyzer_pids(pool_registry, root_a) == pids

        # the first session has ended: the second answers from the same rust-analyzer
        assert SIGNATURE in str((await hover(second, main)).get("markdown"))
        assert analyzer_pids(pool_registry, root_a) == pids
    # every session has ended; the engine keeps the pool warm for the next one
    assert analyzer_pids(pool_registry, root_a) == pids
    async with Client(build_server(settings_a), mode="legacy") as later:
        assert SIGNATURE in str((await hover(later, main)).get("markdown"))
        assert analyzer_pids(pool_registry, root_a) == pids
        pool_registry.keep_warm = False  # a plain server: its last session closes the pool
    assert analyzer_pids(pool_registry, root_a) == []
    assert [key for key in pool_registry.entries if key.roots == (root_a,)] == []
    for _ in range(100):
        if not pids_under(crate, "rust-analyzer"):
            break
        await anyio.sleep(0.1)
    assert pids_under(crate, "rust-analyzer") == []


async def test_the_engine_wide_limit_stops_the_least_recently_used_rust_analyzer(
    tmp_path: Path, pool_registry: shared_pools.PoolRegistry
) -> None:
    require_rust_analyzer()
    require_bubblewrap()
    root = tmp_path / "root"
    for name in ("hello_bin", "lib_errors"):
        shutil.copytree(FIXTURES / name, root / name, ignore=shutil.ignore_patterns("target"))
    shared_pools.keep_warm_after_sessions(idle_seconds=600.0, max_workspaces=1)
    async with Client(build_server(AnalyzerSettings(AllowedRoots((root,)))), mode="legacy") as client:
        assert SIGNATURE in str((await hover(client, root / "hello_bin" / "src" / "main.rs")).get("markdown"))
        (first,) = analyzer_pids(pool_registry, root / "hello_bin")
        position = {"file_path": str(root / "lib_errors" / "src" / "lib.rs"), "line": 3, "column": 8}
        other = ra_structured("rust_analyzer_hover", await client.call_tool("rust_analyzer_hover", position))
        assert "fn add(a: i32, b: i32) -> i32" in str(other.get("markdown")), other
        assert analyzer_pids(pool_registry, root / "hello_bin") == []  # stopped to make room
        assert len(analyzer_pids(pool_registry, root / "lib_errors")) == 1
        assert "rust-analyzer pid" in shared_pools.status_text()
    for _ in range(100):
        if not pids_under(root / "hello_bin", "rust-analyzer"):
            break
        await anyio.sleep(0.1)
    assert first not in pids_under(root / "hello_bin", "rust-analyzer")
