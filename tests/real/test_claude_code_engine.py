"""Claude Code with the engine on (issue 23), end to end: rust-analyzer-mcp registered by the
README's `claude mcp add` line, two headless `claude -p` runs one after the other asking for the
same hover; the second is answered by the rust-analyzer the first run's front had the engine start
(the same process: nothing indexed again), and `rust-mcp-engine stop` leaves nothing running."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import require_rust_analyzer
from tests.support.claude_driver import claude_env, register, run_claude
from tests.support.engine_e2e import (
    analyzers_of,
    assert_right,
    crate_copy,
    engine_home,
    engine_pids,
    environment_difference,
    hover_arguments,
    status_analyzers,
    stop_and_check_nothing_left,
)
from tests.support.messages_mock import MessagesMock, serve_messages

pytestmark = [pytest.mark.clients, pytest.mark.real]
HOVER = "mcp__rust-analyzer__rust_analyzer_hover"


def hover_through_claude(project: Path, env: dict[str, str], mock: MessagesMock) -> str:
    """One `claude -p` run whose model (`mock`, the same for every run, as a user's API endpoint
    is) asks for the hover; what Claude Code gave the model back."""
    run_claude(project, env, mock.port, "hover Point", "mcp__rust-analyzer")
    (output,) = mock.tool_outputs()  # from the last request: this run's
    return output


def test_claude_code_second_run_answers_from_the_warm_rust_analyzer(tmp_path: Path) -> None:
    require_rust_analyzer()
    project = crate_copy(tmp_path)
    script = [(HOVER, hover_arguments(project))]
    with engine_home(120.0) as home, serve_messages(MessagesMock(script)) as mock:
        env = claude_env(tmp_path / "claude-config", engine=home)
        register(env, project, "rust-analyzer")

        assert_right(hover_through_claude(project, env, mock))
        (engine,) = engine_pids(home)
        first = analyzers_of(engine)
        assert len(first) == 1, first

        assert_right(hover_through_claude(project, env, mock))
        engines = engine_pids(home)
        assert engines == [engine], sorted(environment_difference(engines))
        assert analyzers_of(engine) == first  # the same rust-analyzer answered: nothing indexed again
        assert status_analyzers(engine) == {str(project / "workspace"): first}

        stop_and_check_nothing_left(engine, project)
