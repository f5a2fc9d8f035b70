"""The process-wide rust-analyzer pool registry (ra_mcp/workspace/shared_pools.py) without processes: which
servers share a pool (its key), how sessions join and leave it (closed with the last one, unless the
engine keeps pools warm), and which rust-analyzer the engine-wide limit stops first."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ra_mcp.lsp.discovery import Analyzer
from ra_mcp.service import AnalyzerService
from ra_mcp.settings import AnalyzerSettings, PoolSettings
from ra_mcp.workspace.pool import WorkspacePool
from ra_mcp.workspace.pool_key import pool_key
from ra_mcp.workspace.shared_pools import Candidate, PoolRegistry, StdWarning, to_stop
from rust_mcp.core.roots import AllowedRoots

pytestmark = pytest.mark.anyio
ANALYZER = Analyzer("/usr/bin/rust-analyzer", "rust-analyzer 1.95.0")
ENV = {"PATH": "/usr/bin", "HOME": "/home/u", "CARGO_HOME": "/home/u/.cargo", "EDITOR": "vi"}


def settings_for(root: Path, **changes: object) -> AnalyzerSettings:
    return dataclasses.replace(AnalyzerSettings(AllowedRoots((root,))), **changes)  # type: ignore[arg-type]


def test_equal_settings_share_a_key_and_what_matters_separates(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    base = pool_key(settings_for(tmp_path), ANALYZER, ENV)
    assert pool_key(settings_for(tmp_path), ANALYZER, ENV) == base
    assert pool_key(settings_for(tmp_path), ANALYZER, {**ENV, "EDITOR": "emacs"}) == base  # not read
    different = {
        "roots": pool_key(settings_for(other), ANALYZER, ENV),
        "sandbox": pool_key(settings_for(tmp_path, sandbox="off"), ANALYZER, ENV),
        "toolchain": pool_key(settings_for(tmp_path, default_toolchain="nightly"), ANALYZER, ENV),
        "pool": pool_key(settings_for(tmp_path, pool=PoolSettings(max_workspaces=9)), ANALYZER, ENV),
        "binary": pool_key(settings_for(tmp_path), Analyzer(ANALYZER.path, "rust-analyzer 1.96.0"), ENV),
        "cargo home": pool_key(settings_for(tmp_path), ANALYZER, {**ENV, "CARGO_HOME": "/elsewhere"}),
        "rustflags": pool_key(settings_for(tmp_path), ANALYZER, {**ENV, "RUSTFLAGS": "-Dwarnings"}),
    }
    assert [name for name, key in different.items() if key == base] == []


class Made:
    """Counts the pools a registry makes, and keeps the std-warning callback it was given."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pools: list[WorkspacePool] = []
        self.record: StdWarning | None = None

    def pool(self, record: StdWarning) -> WorkspacePool:
        self.record = record
        pool = WorkspacePool(AllowedRoots((self.root,)), ANALYZER, {})
        self.pools.append(pool)
        return pool

    def service(self, pool: WorkspacePool) -> AnalyzerService:
        return AnalyzerService(pool.roots, pool, self.root / "logs")


async def test_sessions_of_one_key_share_one_pool_and_the_last_closes_it(tmp_path: Path) -> None:
    registry, made = PoolRegistry(), Made(tmp_path)
    key = pool_key(settings_for(tmp_path), ANALYZER, ENV)
    first = registry.join(key, made.pool, made.service)
    second = registry.join(key, made.pool, made.service)
    assert len(made.pools) == 1 and first.pool is second.pool and first is not second
    assert [row.sessions for row in registry.status()] == [2]
    assert made.record is not None
    made.record("std sources missing")
    assert first.std_warning == second.std_warning == "std sources missing"
    await registry.leave(first)
    assert key in registry.entries and [row.sessions for row in registry.status()] == [1]
    await registry.leave(second)
    assert registry.entries == {}  # plain mode: the last session closes the pool
    third = registry.join(key, made.pool, made.service)
    assert len(made.pools) == 2 and third.pool is made.pools[1]
    assert third.std_warning is None  # a new pool: the old warning went with the old one
    await registry.close_all()


async def test_other_keys_get_their_own_pools(tmp_path: Path) -> None:
    registry, made = PoolRegistry(), Made(tmp_path)
    one = registry.join(pool_key(settings_for(tmp_path), ANALYZER, ENV), made.pool, made.service)
    off = pool_key(settings_for(tmp_path, sandbox="off"), ANALYZER, ENV)
    two = registry.join(off, made.pool, made.service)
    assert one.pool is not two.pool and len(registry.entries) == 2
    await registry.close_all()
    assert registry.entries == {}


async def test_kept_warm_pools_outlive_their_sessions_until_idle(tmp_path: Path) -> None:
    registry, made = PoolRegistry(), Made(tmp_path)
    registry.keep_warm, registry.idle_seconds = True, 60.0
    key = pool_key(settings_for(tmp_path), ANALYZER, ENV)
    first = registry.join(key, made.pool, made.service)
    await registry.leave(first)
    assert [row.sessions for row in registry.status()] == [0]  # kept, no session
    again = registry.join(key, made.pool, made.service)
    assert again.pool is first.pool and len(made.pools) == 1  # the next session gets the warm pool
    await registry.leave(again)
    await registry.evict_idle(now=0.0)
    assert registry.entries == {}  # no session and no rust-analyzer left: forgotten


def test_the_limit_stops_the_least_recently_used_idle_rust_analyzers() -> None:
    running = [Candidate(30.0, 0, 500.0), Candidate(10.0, 0, 800.0), Candidate(5.0, 1, 900.0)]
    assert to_stop(running, max_count=3, max_rss_mb=None) == [1]  # the busy one (5.0) is skipped
    assert to_stop(running, max_count=2, max_rss_mb=None) == [1, 0]
    assert to_stop(running, max_count=4, max_rss_mb=None) == []
    assert to_stop(running, max_count=None, max_rss_mb=1500.0) == [1]  # 2200 MB -> 1400 MB
    assert to_stop(running, max_count=None, max_rss_mb=100.0) == [1, 0]  # never the busy one
    assert to_stop(running, max_count=None, max_rss_mb=None) == []


def test_a_found_rust_analyzer_is_remembered_while_its_binary_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The discovery runs programs (rustup, `--version`): a second session of the process skips
    them, and a replaced binary is looked for again. The search itself is the boundary here."""
    from ra_mcp.lsp import discovery

    binary = tmp_path / "rust-analyzer"
    binary.write_text("first")
    searches: list[str | None] = []

    def search(explicit: str | None = None) -> Analyzer:
        searches.append(explicit)
        return Analyzer(str(binary), "rust-analyzer 1.95.0")

    monkeypatch.setattr(discovery, "find_analyzer", search)
    monkeypatch.setattr(discovery, "_FOUND", {})
    first = discovery.find_analyzer_again(str(binary))
    assert discovery.find_analyzer_again(str(binary)) == first and len(searches) == 1
    discovery.find_analyzer_again(None)  # another choice: searched for itself
    assert searches == [str(binary), None]
    binary.write_text("an upgrade, larger")
    discovery.find_analyzer_again(str(binary))
    assert searches == [str(binary), None, str(binary)]
