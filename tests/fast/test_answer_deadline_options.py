"""Both servers' --answer-deadline: 50 s by default (under Codex's default 60 s tool timeout), set
by an environment variable (what a Codex config's `env` table can pass) or the flag, and a bad value
refused by name at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from cargo_mcp.cli import _parser as cargo_parser
from ra_mcp.cli import _parser as ra_parser


@pytest.mark.parametrize(
    ("parse", "env_name"),
    [
        (lambda: cargo_parser().parse_args(["serve"]), "CARGO_MCP_ANSWER_DEADLINE"),
        (lambda: ra_parser().parse_args([]), "RUST_ANALYZER_MCP_ANSWER_DEADLINE"),
    ],
)
def test_the_deadline_defaults_under_codexs_timeout_and_follows_the_environment(
    parse: object, env_name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert callable(parse)
    monkeypatch.delenv(env_name, raising=False)
    assert parse().answer_deadline == 50.0
    monkeypatch.setenv(env_name, "280")
    assert parse().answer_deadline == 280.0
    monkeypatch.setenv(env_name, "soon")
    with pytest.raises(SystemExit):
        parse()
    assert f"${env_name}='soon' is not a number of seconds" in capsys.readouterr().err


def test_a_cold_workspace_is_waited_for_as_long_as_the_answer_deadline_allows(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The README registers rust-analyzer-mcp for Codex with a 280 s deadline and a 300 s tool timeout
    ("the first call on a workspace waits for indexing"), but the readiness wait stayed at 45 s: a
    cold serde workspace past 45 s was answered "still indexing" with 255 s of the budget unused."""
    import ra_mcp.server
    from ra_mcp.cli import prepare

    seen: list[float] = []
    monkeypatch.setattr(
        ra_mcp.server, "build_server", lambda settings, _: seen.append(settings.pool.ready_seconds)
    )
    monkeypatch.setenv("RUST_ANALYZER_MCP_ANSWER_DEADLINE", "280")
    base = ["--root", str(tmp_path), "--sandbox", "off", "--log-dir", str(tmp_path)]
    prepare(base, tmp_path)
    prepare([*base, "--ready-timeout", "30"], tmp_path)
    monkeypatch.delenv("RUST_ANALYZER_MCP_ANSWER_DEADLINE")
    prepare(base, tmp_path)
    assert seen == [275.0, 30.0, 45.0]
