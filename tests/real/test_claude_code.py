"""Claude Code (`@anthropic-ai/claude-code` from npm, in tests/clients) with both servers registered by
the README's `claude mcp add` lines, driven headless (`claude -p`) against a local stand-in for the
Anthropic Messages API: what Claude Code lists, calls and shows the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support import require_rust_analyzer
from tests.support.claude_driver import claude_env, register, run_claude
from tests.support.messages_mock import MessagesMock, serve_messages

pytestmark = [pytest.mark.clients, pytest.mark.real]


def _run_claude(
    tmp_path: Path, project: Path, script: list[tuple[str, dict[str, Any]]], allowed: str
) -> tuple[MessagesMock, dict[str, Any]]:
    env = claude_env(tmp_path / "claude-config")
    register(env, project, "cargo", "rust-analyzer")
    with serve_messages(MessagesMock(script)) as mock:
        output = run_claude(project, env, mock.port, "check the project", allowed)
    return mock, json.loads(output)


def test_claude_code_lists_both_servers_and_shows_the_model_our_results(
    tmp_path: Path, workspace_root: Path
) -> None:
    require_rust_analyzer()
    workspace = str(workspace_root / "workspace")
    script = [
        ("mcp__cargo__cargo_check", {"path": str(workspace_root / "lib_errors")}),
        ("mcp__cargo__cargo_metadata", {"path": workspace}),
        ("mcp__rust-analyzer__rust_analyzer_workspace_symbol", {"query": "Circle", "workspace": workspace}),
    ]
    mock, outcome = _run_claude(tmp_path, workspace_root, script, "mcp__cargo,mcp__rust-analyzer")
    assert outcome["permission_denials"] == []
    offered = json.dumps(mock.agent_requests())
    # both servers' tools are offered by name (deferred: the model loads a schema with ToolSearch)
    assert "mcp__cargo__cargo_test" in offered and "mcp__rust-analyzer__rust_analyzer_hover" in offered
    loaded = {tool["name"]: tool for tool in mock.agent_requests()[-1]["tools"]}
    assert "path" in loaded["mcp__cargo__cargo_check"]["input_schema"]["properties"]
    check, metadata, symbols = mock.tool_outputs()
    # an error result: Claude Code shows the model our text content
    assert check.startswith("cargo check failed") and "error[E0308]: mismatched types" in check
    assert '"diagnostics"' not in check
    # a successful result: Claude Code shows the model our structuredContent, as JSON
    members = json.loads(metadata)["data"]["members"]
    assert {member["name"] for member in members} == {"app", "geometry", "macros"}
    found = json.loads(symbols)["locations"][0]
    assert (found["path"], found["line"]) == ("geometry/src/shapes.rs", 6)


def test_claude_code_headless_refuses_our_tools_unless_allowed(tmp_path: Path, workspace_root: Path) -> None:
    """readOnlyHint does not let a tool run in `claude -p`: without --allowedTools it is refused."""
    script = [("mcp__cargo__cargo_check", {"path": str(workspace_root / "hello_bin")})]
    mock, outcome = _run_claude(tmp_path, workspace_root, script, "")
    assert [denial["tool_name"] for denial in outcome["permission_denials"]] == ["mcp__cargo__cargo_check"]
    (refused,) = mock.tool_outputs()
    assert "cargo check" not in refused
