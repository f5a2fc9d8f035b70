"""Codex CLI sessions whose CODEX_HOME is outside the temporary directory, as a user's ~/.codex is,
share one engine (found in the tokio-rs/tracing field test: each `codex exec` started an engine and
a rust-analyzer of its own, 2 GB each, and indexed again).

Codex prepends a per-session alias directory (`$CODEX_HOME/tmp/arg0/codex-arg0XXXXXX`) to the PATH
it hands every MCP server, except when CODEX_HOME lies under the temporary directory (then it
refuses to make one), which is why the other Codex engine tests, whose CODEX_HOME is under /tmp,
never saw it. Here the temporary directory Codex sees (TMPDIR) is elsewhere, so Codex makes the
directory as it does for a user."""

from __future__ import annotations

from pathlib import Path

import pytest

from rust_mcp.dev import engine_procs as procs
from tests.support import require_rust_analyzer
from tests.support.codex_driver import CodexSetup, run_codex
from tests.support.engine_e2e import (
    EngineHome,
    analyzers_of,
    assert_right,
    crate_copy,
    engine_home,
    engine_pids,
    environment_difference,
    hover_arguments,
    stop_and_check_nothing_left,
)

pytestmark = [pytest.mark.clients, pytest.mark.real]
IDLE_BETWEEN_RUNS = 120.0


def hover_through_codex(tmp_path: Path, root: Path, home: EngineHome) -> str:
    setup = CodexSetup(server_env=home.server_env())
    mock, _ = run_codex(tmp_path, root, "rust_analyzer_hover", hover_arguments(root), setup)
    return mock.tool_output()


def test_codex_sessions_with_a_home_outside_tmp_share_the_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_rust_analyzer()
    root = crate_copy(tmp_path)
    codex_tmp = tmp_path / "codex-tmp"  # Codex's temporary directory: not above either CODEX_HOME
    codex_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(codex_tmp))
    with engine_home(IDLE_BETWEEN_RUNS) as home:
        assert_right(hover_through_codex(tmp_path / "first", root, home))
        (engine,) = engine_pids(home)
        path = procs.environment_of(engine).get("PATH", "")
        # the situation under test: Codex put its session's alias directory first on the PATH
        assert "codex-arg0" in path.split(":")[0], path
        first = analyzers_of(engine)
        assert len(first) == 1, first

        assert_right(hover_through_codex(tmp_path / "second", root, home))
        engines = engine_pids(home)
        assert engines == [engine], environment_difference(engines)
        assert analyzers_of(engine) == first  # the second session indexed nothing again
        stop_and_check_nothing_left(engine, root)
