"""Running Codex CLI (`codex exec`, from tests/clients) against a local stand-in for the Responses API
with both servers registered in a private CODEX_HOME, as the README's config.toml registers them."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.node_clients import node_client
from tests.responses_mock import ResponsesMock, serve_responses
from tests.support import BIN


@dataclass(frozen=True)
class CodexSetup:
    """What differs between runs: the approval policy, extra TOML appended to the config (per-tool
    approval settings), the servers' extra arguments, and the cargo server's tool timeout and command."""

    approval_policy: str = "on-request"
    extra_config: str = ""
    cargo_args: tuple[str, ...] = ()
    analyzer_args: tuple[str, ...] = ()
    cargo_tool_timeout: float = 900
    cargo_command: Path = BIN / "cargo-mcp"


def write_codex_config(home: Path, port: int, root: Path, setup: CodexSetup) -> None:
    home.mkdir(parents=True, exist_ok=True)
    cargo_args = ", ".join(f'"{arg}"' for arg in ("serve", "--root", str(root), *setup.cargo_args))
    analyzer_args = ", ".join(f'"{arg}"' for arg in ("--root", str(root), *setup.analyzer_args))
    (home / "config.toml").write_text(f"""
model = "mock-model"
model_provider = "mock"
approval_policy = "{setup.approval_policy}"
sandbox_mode = "read-only"

[model_providers.mock]
name = "mock"
base_url = "http://127.0.0.1:{port}/v1"
wire_api = "responses"
env_key = "MOCK_API_KEY"
request_max_retries = 0
stream_max_retries = 0

[mcp_servers.cargo]
command = "{setup.cargo_command}"
args = [{cargo_args}]
required = true
tool_timeout_sec = {setup.cargo_tool_timeout}

[mcp_servers.rust-analyzer]
command = "{BIN / "rust-analyzer-mcp"}"
args = [{analyzer_args}]
required = true
tool_timeout_sec = 300
{setup.extra_config}""")


def run_codex(
    tmp_path: Path, root: Path, tool: str, arguments: dict[str, Any], setup: CodexSetup | None = None
) -> tuple[ResponsesMock, str]:
    """One `codex exec` turn in which the model calls `tool`; the mock and Codex's output."""
    with serve_responses(ResponsesMock(tool, arguments)) as mock:
        home = tmp_path / "codex-home"
        write_codex_config(home, mock.port, root, setup or CodexSetup())
        env = {**os.environ, "CODEX_HOME": str(home), "MOCK_API_KEY": "test"}
        proc = subprocess.run(
            [node_client("codex"), "exec", "--skip-git-repo-check", "--cd", str(root), f"use {tool}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    server = "cargo" if tool.startswith("cargo") else "rust-analyzer"
    assert f"mcp: {server}/{tool} started" in output, output[-6000:]
    return mock, output
