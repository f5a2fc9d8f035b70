"""Session fixtures (one copy of the fixture crates, one warm server of each kind over stdio) and the
tier guard: a test that is not marked `real` may start no process, so the fast tier stays fast."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from mcp import Client

from rust_mcp.dev.corpus_verdicts import VERDICTS, verdict_table
from tests.process_leaks import descendants, hold_new, kill, left_running, report
from tests.support import FIXTURES, SUITE_ENV, require_rust_analyzer, server_params

if TYPE_CHECKING:
    from ra_mcp.shared_pools import PoolRegistry

os.environ.update(SUITE_ENV)  # what the suite's servers run with (tests/support.py says why)

# session fixtures that hold a running server: a test using one is a real-tier test
PROCESS_FIXTURES = frozenset({"cargo", "ra"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Client and corpus tests drive real processes: they are real-tier tests whatever their module says.
    A fast-tier test that asks for a running server is a mistake caught here, before anything runs."""
    for item in items:
        driven = item.get_closest_marker("clients") or item.get_closest_marker("corpus")
        if driven is not None and item.get_closest_marker("real") is None:
            item.add_marker(pytest.mark.real)
        uses = PROCESS_FIXTURES.intersection(getattr(item, "fixturenames", ()))
        if uses and item.get_closest_marker("real") is None:
            raise pytest.UsageError(
                f"{item.nodeid} uses the server fixture(s) {sorted(uses)} but is not marked "
                "@pytest.mark.real; mark it, or use an in-memory Client on the server object"
            )


def is_probe(argv: list[str]) -> bool:
    """A start-up probe an in-memory server makes (which rust-analyzer, and does it answer --version):
    a few milliseconds, no build, no server. Every other process belongs to the real tier."""
    return argv[-1:] == ["--version"] or (Path(argv[0]).name == "rustup" and argv[1:2] == ["which"])


class ProcessStarted(RuntimeError):
    """Raised where a fast-tier test tried to start a process (the test then fails, naming it)."""


@pytest.fixture(autouse=True)
def fast_tier_starts_no_process(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """In a test not marked `real`, starting any child process (subprocess, asyncio and anyio all go
    through subprocess.Popen) is refused, and the test fails naming the command it tried to run."""
    if request.node.get_closest_marker("real") is not None:
        yield
        return
    attempts: list[str] = []

    start = vars(subprocess.Popen)["_execute_child"]

    def refuse(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        argv = [str(arg) for arg in args] if isinstance(args, list | tuple) else [str(args)]
        if is_probe(argv):
            start(self, args, *rest, **kwargs)
            return
        attempts.append(" ".join(argv))
        raise ProcessStarted(f"a fast-tier test started a process: {attempts[-1][:200]}")

    monkeypatch.setattr(subprocess.Popen, "_execute_child", refuse)
    yield
    if attempts:
        pytest.fail(
            f"{request.node.nodeid} is in the fast tier but started {len(attempts)} process(es), the "
            f"first {attempts[0][:200]!r}: mark it @pytest.mark.real, or keep it in memory",
            pytrace=False,
        )


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
    teardown (tests/process_leaks.py says what counts); otherwise the test fails naming them."""
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
    from ra_mcp import shared_pools

    yield shared_pools.REGISTRY
    shared_pools.REGISTRY.keep_warm = False
    shared_pools.REGISTRY.idle_seconds = None
    shared_pools.REGISTRY.max_workspaces = None
    shared_pools.REGISTRY.max_rss_mb = None
    await shared_pools.close_all()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The corpus checks' table (tool x corpus -> right / wrong), when corpus tests ran."""
    if VERDICTS:
        terminalreporter.section("corpus: tool x corpus")
        for line in verdict_table(VERDICTS):
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def workspace_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All fixtures copied once; servers under test get this directory as their only root."""
    root = tmp_path_factory.mktemp("roots") / "fx"
    shutil.copytree(FIXTURES, root, ignore=shutil.ignore_patterns("target"))
    return root


@pytest.fixture(scope="session")
def scratch(workspace_root: Path) -> Path:
    """Inside the allowed root: where tests put fixture copies they modify."""
    path = workspace_root / "scratch"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture(scope="session")
def cargo_log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cargo-logs")


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
