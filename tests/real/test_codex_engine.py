"""Codex CLI with the engine on (issue 23), end to end: `codex exec` runs whose model asks
rust_analyzer_hover through `[mcp_servers.rust-analyzer]`, each run starting its own fronts as
Codex does, all of them served by one engine in a private directory.

- two runs one after the other: the second's first answer comes from the rust-analyzer the first
  run started (the same process: nothing was indexed again), and the engine lists the workspace;
- two runs at once: one rust-analyzer for both, during both;
- afterwards nothing is left: `rust-mcp-engine stop` ends the engine and everything it started, and
  an engine left alone exits when its idle time is up."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from rust_mcp.dev.engine_procs import wait_gone
from rust_mcp.dev.proctree import tree
from tests.support import processes_under, require_rust_analyzer
from tests.support.codex_driver import CodexSetup, run_codex
from tests.support.engine_e2e import (
    EngineHome,
    analyzers_of,
    assert_right,
    crate_copy,
    engine_home,
    engine_pids,
    hover_arguments,
    status_analyzers,
    stop_and_check_nothing_left,
    watching,
)

pytestmark = [pytest.mark.clients, pytest.mark.real]
IDLE_BETWEEN_RUNS = 120.0  # long enough to outlive the gap between two runs
SHORT_IDLE = 3.0


def hover_through_codex(tmp_path: Path, root: Path, home: EngineHome) -> str:
    """One `codex exec` whose model asks for the hover; what Codex gave the model back."""
    setup = CodexSetup(server_env=home.server_env())
    mock, _ = run_codex(tmp_path, root, "rust_analyzer_hover", hover_arguments(root), setup)
    return mock.tool_output()


def test_codex_second_run_answers_from_the_warm_rust_analyzer(tmp_path: Path) -> None:
    require_rust_analyzer()
    root = crate_copy(tmp_path)
    with engine_home(IDLE_BETWEEN_RUNS) as home:
        assert_right(hover_through_codex(tmp_path / "first", root, home))
        (engine,) = engine_pids(home)  # the first run's fronts started it; it outlives the run
        first = analyzers_of(engine)
        assert len(first) == 1, first
        # the engine's own account: one rust-analyzer, for this workspace, the one found in /proc
        assert status_analyzers(engine) == {str(root / "workspace"): first}

        assert_right(hover_through_codex(tmp_path / "second", root, home))
        assert engine_pids(home) == [engine]
        # the same rust-analyzer process answered: the second run indexed nothing again
        assert analyzers_of(engine) == first
        assert status_analyzers(engine) == {str(root / "workspace"): first}
        stop_and_check_nothing_left(engine, root)


def test_two_codex_runs_at_once_share_one_rust_analyzer(tmp_path: Path) -> None:
    require_rust_analyzer()
    root = crate_copy(tmp_path)
    outputs: dict[str, str] = {}
    failures: list[BaseException] = []

    def run(name: str, home: EngineHome) -> None:
        try:
            outputs[name] = hover_through_codex(tmp_path / name, root, home)
        except BaseException as exc:  # reported by the test thread below
            failures.append(exc)

    with engine_home(SHORT_IDLE) as home, watching(home) as watch:
        runs = [threading.Thread(target=run, args=(name, home)) for name in ("left", "right")]
        for thread in runs:
            thread.start()
        for thread in runs:
            thread.join()
        if failures:
            raise failures[0]
        assert sorted(outputs) == ["left", "right"]
        for output in outputs.values():
            assert_right(output)
        # one engine, and one rust-analyzer for both runs for all their length
        assert len(watch.engines) == 1, watch.engines
        assert len(watch.analyzers) == 1 and watch.most_at_once == 1, watch.describe()
        (engine,) = watch.engines
        members = {engine, *watch.analyzers, *tree({engine})}
        # left alone, the engine exits when its idle time is up, and takes everything with it
        assert wait_gone(members, SHORT_IDLE + 60) == set()
        assert engine_pids(home) == []
        assert processes_under(root) == []
