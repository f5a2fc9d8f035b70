"""The real tier's fixtures: one warm server of each kind over stdio for the whole session, the
shared rust-analyzer pools' registry reset after a test, and the leak finder: a real-tier test (or
module) that leaves a process of its own running below pytest after its teardown fails, naming it
(tests/support/process_leaks.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from mcp import Client

from tests.support import require_rust_analyzer, server_params
from tests.support.process_leaks import descendants, hold_new, kill, left_running, report

if TYPE_CHECKING:
    from ra_mcp.workspace.shared_pools import PoolRegistry


WIDER_SCOPES = frozenset({"module", "class", "package"})


def _uses_wider_fixtures(request: pytest.FixtureRequest) -> bool:
    """Whether the test uses a module-, class- or package-scoped fixture (which may hold processes
    past the test; the module's own check covers them)."""
    info = getattr(request.node, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.values() if info is not None else ()
    return any(
        defs and defs[-1].scope in WIDER_SCOPES and defs[-1].argname != "real_modules_leave_no_process"
        for defs in definitions
    )


@pytest.fixture(autouse=True)
def real_tier_leaves_no_process(request: pytest.FixtureRequest) -> Iterator[None]:
    """In a real-tier test, the processes it started below pytest must be gone shortly after its
    teardown (tests/support/process_leaks.py says what counts); otherwise the test fails naming them."""
    if request.node.get_closest_marker("real") is None:
        yield
        return
    before = set(descendants())
    yield
    if _uses_wider_fixtures(request):
        return  # what it started may belong to its module's fixtures: the module's check decides
    if left := left_running(before):
        message = report(request.node.nodeid, left)
        kill(set(left))
        pytest.fail(message, pytrace=False)


@pytest.fixture(scope="module", autouse=True)
def real_modules_leave_no_process(request: pytest.FixtureRequest) -> Iterator[None]:
    """The same for a module, once its module-scoped fixtures are torn down (an error at the
    teardown of its last test)."""
    before = set(descendants())
    yield
    if left := left_running(before):
        message = report(f"module {request.node.nodeid}", left)
        kill(set(left))
        pytest.fail(message, pytrace=False)


@pytest.fixture
async def pool_registry() -> AsyncIterator[PoolRegistry]:
    """The process's registry of shared rust-analyzer pools; afterwards its settings are as a plain
    server finds them and every pool is closed (its rust-analyzers stopped)."""
    from ra_mcp.workspace import shared_pools

    yield shared_pools.REGISTRY
    shared_pools.REGISTRY.keep_warm = False
    shared_pools.REGISTRY.idle_seconds = None
    shared_pools.REGISTRY.max_workspaces = None
    shared_pools.REGISTRY.max_rss_mb = None
    await shared_pools.close_all()


@pytest.fixture(scope="session")
async def cargo(workspace_root: Path, cargo_log_dir: Path) -> AsyncIterator[Client]:
    """One cargo-mcp server shared by the tests, started exactly as Codex starts it (`cargo-mcp serve`).
    cargo_env is an allowlist; as an operator would, it lets the hello_bin fixture's own variable
    through."""
    params = server_params(
        "cargo-mcp",
        "serve",
        "--root",
        str(workspace_root),
        "--log-dir",
        str(cargo_log_dir),
        "--allow-env",
        "HELLO_EXIT_CODE",
    )
    before = set(descendants())
    async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
        hold_new(before)
        yield client


@pytest.fixture(scope="session")
async def ra(workspace_root: Path) -> AsyncIterator[Client]:
    """One rust-analyzer-mcp server shared by the tests; it keeps one warm rust-analyzer per fixture."""
    require_rust_analyzer()
    params = server_params("rust-analyzer-mcp", "--root", str(workspace_root), "--max-workspaces", "8")
    before = set(descendants())
    async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
        hold_new(before)
        yield client
