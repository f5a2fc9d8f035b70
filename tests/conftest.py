"""Session fixtures: one copy of the fixture crates and one warm cargo-mcp server over stdio."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client

from tests.corpus_support import VERDICTS, verdict_table
from tests.support import FIXTURES, require_rust_analyzer, server_params


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
    async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
        yield client


@pytest.fixture(scope="session")
async def ra(workspace_root: Path) -> AsyncIterator[Client]:
    """One rust-analyzer-mcp server shared by the tests; it keeps one warm rust-analyzer per fixture."""
    require_rust_analyzer()
    params = server_params("rust-analyzer-mcp", "--root", str(workspace_root), "--max-workspaces", "8")
    async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
        yield client
