"""Claude Code (`@anthropic-ai/claude-code` from npm, in tests/clients) with both servers registered by
the README's `claude mcp add` lines, driven headless (`claude -p`) against a local stand-in for the
Anthropic Messages API: what Claude Code lists, calls and shows the model."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.messages_mock import MessagesMock, serve_messages
from tests.node_clients import node_client
from tests.support import BIN, require_rust_analyzer

pytestmark = [pytest.mark.clients, pytest.mark.real]
LOOPBACK_ONLY = {
    "ANTHROPIC_API_KEY": "test",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",  # no telemetry, update checks or error reports
    "DISABLE_AUTOUPDATER": "1",
    "MCP_TIMEOUT": "120000",  # milliseconds a server may take to start (CI machines are busy)
}


def _register(config_dir: Path, project: Path) -> dict[str, str]:
    """The README's two `claude mcp add` lines, run in `project` with a private config directory."""
    env = {
        **os.environ,
        "CLAUDE_CONFIG_DIR": str(config_dir),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        **LOOPBACK_ONLY,
    }
    for line in (
        ["mcp", "add", "cargo", "--", "cargo-mcp", "serve", "--root", str(project)],
        ["mcp", "add", "rust-analyzer", "--", "rust-analyzer-mcp", "--root", str(project)],
    ):
        added = subprocess.run(
            [node_client("claude"), *line], cwd=project, env=env, capture_output=True, text=True, check=False
        )
        assert added.returncode == 0, added.stdout + added.stderr
    return env


def _run_claude(
    tmp_path: Path, project: Path, script: list[tuple[str, dict[str, Any]]], allowed: str
) -> tuple[MessagesMock, dict[str, Any]]:
    env = _register(tmp_path / "claude-config", project)
    with serve_messages(MessagesMock(script)) as mock:
        env["ANTHROPIC_BASE_URL"] = f"http://127.0.0.1:{mock.port}"
        proc = subprocess.run(
            [node_client("claude"), "-p", "check the project", "--output-format", "json"]
            + (["--allowedTools", allowed] if allowed else []),
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return mock, json.loads(proc.stdout)


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
