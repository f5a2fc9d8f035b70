"""Session fixtures (one copy of the fixture crates) and the tier guard: a test that is not marked
`real` may start no process, so the fast tier stays fast. Tests live by tier: tests/fast (no
process), tests/real (processes; its conftest holds the shared servers and the leak finder),
tests/support (helpers, drivers, the fixtures' code)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rust_mcp.dev.corpus_verdicts import VERDICTS, verdict_table
from tests.support import FIXTURES, SUITE_ENV

os.environ.update(SUITE_ENV)  # what the suite's servers run with (tests/support/__init__.py says why)

# session fixtures that hold a running server: a test using one is a real-tier test
PROCESS_FIXTURES = frozenset({"cargo", "ra"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Client and corpus tests drive real processes: they are real-tier tests whatever their module says.
    A fast-tier test that asks for a running server, or a test in the other tier's folder, is a mistake
    caught here, before anything runs."""
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
        if (folder := _tier_folder(item)) is not None and (item.get_closest_marker("real") is None) == (
            folder == "real"
        ):
            tier = "unmarked (fast)" if folder == "real" else "marked real"
            raise pytest.UsageError(
                f"{item.nodeid} is {tier} but lives in tests/{folder}: tests/fast holds the tests that "
                "start no process, tests/real the ones marked @pytest.mark.real; move it"
            )


def _tier_folder(item: pytest.Item) -> str | None:
    """`fast` or `real` for a test under tests/fast or tests/real, else None (bench/, support)."""
    path, tests = Path(str(item.path)), Path(__file__).parent
    folder = path.relative_to(tests).parts[0] if path.is_relative_to(tests) else None
    return folder if folder in ("fast", "real") else None


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
