"""The servers under the clients our users run: Codex CLI (through a local stand-in for the Responses
API) and the MCP Inspector's CLI, both from npm (tests/clients, installed by scripts/setup --clients)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cargo_mcp.table.rows import COMMANDS  # every row is a tool, plus set_working_directory
from tests.support import BIN, require_rust_analyzer
from tests.support.codex_driver import run_codex
from tests.support.node_clients import node_client
from tests.support.responses_mock import ResponsesMock

pytestmark = [pytest.mark.clients, pytest.mark.real]


def _run_codex(tmp_path: Path, root: Path, tool: str, arguments: dict[str, Any]) -> ResponsesMock:
    return run_codex(tmp_path, root, tool, arguments)[0]


def _namespaces(mock: ResponsesMock) -> dict[str, set[str]]:
    return {
        tool["name"]: {inner["name"] for inner in tool.get("tools", [])}
        for tool in mock.requests[0]["tools"]
        if tool.get("type") == "namespace"
    }


def test_codex_calls_cargo_check_and_the_model_sees_the_real_error(
    tmp_path: Path, workspace_root: Path
) -> None:
    mock = _run_codex(tmp_path, workspace_root, "cargo_check", {"path": str(workspace_root / "lib_errors")})
    namespaces = _namespaces(mock)
    assert {"cargo_check", "cargo_test", "set_working_directory"} <= namespaces["mcp__cargo"]
    assert "rust_analyzer_hover" in namespaces["mcp__rust_analyzer"]
    output = mock.tool_output()
    assert "E0308" in output and "mismatched types" in output and "src/lib.rs" in output


def test_codex_calls_rust_analyzer_hover(tmp_path: Path, workspace_root: Path) -> None:
    require_rust_analyzer()
    main = workspace_root / "workspace" / "app" / "src" / "main.rs"
    column = main.read_text().split("\n")[15].index("Point::new(3.0") + 1
    mock = _run_codex(
        tmp_path,
        workspace_root,
        "rust_analyzer_hover",
        {"file_path": str(main), "line": 16, "column": column},
    )
    output = mock.tool_output()
    assert "pub struct Point" in output and "A point in the plane." in output


INSPECTOR_TOOL_ERROR = 5  # the Inspector CLI's exit status when a tool result has isError: true


def _inspector(tmp_path: Path, *args: str, status: int = 0) -> Any:
    env = {**os.environ, "MCP_CATALOG_PATH": str(tmp_path / "inspector-catalog.json")}
    proc = subprocess.run(
        [node_client("mcp-inspector"), "--cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert proc.returncode == status, proc.stdout[-2000:] + proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_inspector_lists_and_calls_cargo_mcp(tmp_path: Path, workspace_root: Path) -> None:
    # the Inspector gives its server a minimal environment of its own (no RUST_MCP_ENGINE=off from
    # conftest): in-process, as the rest of the suite, so no engine outlives the test
    server = [str(BIN / "cargo-mcp"), "serve", "--engine", "off", "--root", str(workspace_root)]
    listed = _inspector(tmp_path, *server, "--method", "tools/list")
    tools = {tool["name"]: tool for tool in listed["tools"]}
    assert len(tools) == len(COMMANDS) + 1 and tools["cargo_check"]["annotations"]["readOnlyHint"] is True
    called = _inspector(
        tmp_path,
        *server,
        "--method",
        "tools/call",
        "--tool-name",
        "cargo_test",
        "--tool-arg",
        f"path={workspace_root / 'tests_mixed'}",
        status=INSPECTOR_TOOL_ERROR,
    )
    assert called["isError"] is True
    assert called["structuredContent"]["tests"]["failures"][0]["name"] == "tests::doubles_wrongly"


def test_inspector_lists_and_calls_rust_analyzer_mcp(tmp_path: Path, workspace_root: Path) -> None:
    require_rust_analyzer()
    server = [str(BIN / "rust-analyzer-mcp"), "--engine", "off", "--root", str(workspace_root)]
    listed = _inspector(tmp_path, *server, "--method", "tools/list")
    assert len(listed["tools"]) == 22
    called = _inspector(
        tmp_path,
        *server,
        "--method",
        "tools/call",
        "--tool-name",
        "rust_analyzer_workspace_symbol",
        "--tool-arg",
        "query=Circle",
        f"workspace={workspace_root / 'workspace'}",
    )
    assert called.get("isError") is not True
    assert called["structuredContent"]["locations"][0]["path"] == "geometry/src/shapes.rs"
