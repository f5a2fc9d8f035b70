"""Both servers' --answer-deadline: 50 s by default (under Codex's default 60 s tool timeout), set
by an environment variable (what a Codex config's `env` table can pass) or the flag, and a bad value
refused by name at start."""

from __future__ import annotations

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
