"""Driving the real Codex CLI (`codex exec`, from npm in tests/clients) against a mock Responses API
on loopback, with both servers registered in a private CODEX_HOME as the README registers them."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support import BIN
from tests.support.node_clients import node_client
from tests.support.responses_mock import ResponsesMock, serve_responses


@dataclass(frozen=True)
class CodexSetup:
    """What differs between runs: Codex's approval policy and sandbox mode, extra TOML appended to the
    config (per-tool approval settings), the servers' extra arguments and environment, and the cargo
    server's tool timeout and command."""

    approval_policy: str = "on-request"
    sandbox_mode: str | None = "read-only"  # None: not set, Codex's default (read-only)
    extra_config: str = ""
    cargo_args: tuple[str, ...] = ()
    analyzer_args: tuple[str, ...] = ()
    server_env: Mapping[str, str] = field(default_factory=dict)
    cargo_tool_timeout: float = 900
    cargo_command: Path = BIN / "cargo-mcp"


def _toml_env(env: Mapping[str, str]) -> str:
    env = {"RUST_MCP_ENGINE": os.environ.get("RUST_MCP_ENGINE", "off"), **env}  # Codex passes no other
    if not env:
        return ""
    pairs = ", ".join(f'"{key}" = "{value}"' for key, value in env.items())
    return f"env = {{ {pairs} }}\n"


def codex_config(port: int, root: Path, setup: CodexSetup) -> str:
    """Codex's config.toml: the mock model, the policies, and both servers (parallel calls allowed)."""
    cargo = ", ".join(f'"{arg}"' for arg in ("serve", "--root", str(root), *setup.cargo_args))
    analyzer = ", ".join(f'"{arg}"' for arg in ("--root", str(root), *setup.analyzer_args))
    sandbox = "" if setup.sandbox_mode is None else f'sandbox_mode = "{setup.sandbox_mode}"'
    return f"""
model = "mock-model"
model_provider = "mock"
approval_policy = "{setup.approval_policy}"
{sandbox}

[sandbox_workspace_write]
network_access = false

[model_providers.mock]
name = "mock"
base_url = "http://127.0.0.1:{port}/v1"
wire_api = "responses"
env_key = "MOCK_API_KEY"
request_max_retries = 0
stream_max_retries = 0

[mcp_servers.cargo]
command = "{setup.cargo_command}"
args = [{cargo}]
{_toml_env(setup.server_env)}required = true
tool_timeout_sec = {setup.cargo_tool_timeout}
supports_parallel_tool_calls = true

[mcp_servers.rust-analyzer]
command = "{BIN / "rust-analyzer-mcp"}"
args = [{analyzer}]
{_toml_env(setup.server_env)}required = true
tool_timeout_sec = 300
supports_parallel_tool_calls = true
{setup.extra_config}"""


def run_codex_with(
    tmp_path: Path, mock: ResponsesMock, workdir: Path, root: Path, setup: CodexSetup | None = None
) -> subprocess.CompletedProcess[str]:
    """One `codex exec` in `workdir` whose model makes the calls `mock` scripts; returns the run
    (the mock holds what Codex sent the model)."""
    with serve_responses(mock):
        home = tmp_path / "codex-home"
        home.mkdir(parents=True, exist_ok=True)
        (home / "config.toml").write_text(codex_config(mock.port, root, setup or CodexSetup()))
        env = {**os.environ, "CODEX_HOME": str(home), "MOCK_API_KEY": "test"}
        argv = [node_client("codex"), "exec", "--skip-git-repo-check", "--cd", str(workdir)]
        return subprocess.run(
            [*argv, f"use {mock.tool}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            stdin=subprocess.DEVNULL,
            check=False,
        )


def run_codex(
    tmp_path: Path, root: Path, tool: str, arguments: dict[str, Any], setup: CodexSetup | None = None
) -> tuple[ResponsesMock, str]:
    """One `codex exec` turn in `root` in which the model calls `tool`; the mock and Codex's output.
    Fails unless Codex ran and started the call."""
    mock = ResponsesMock(tool, arguments)
    proc = run_codex_with(tmp_path, mock, root, root, setup)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    server = "cargo" if tool.startswith("cargo") else "rust-analyzer"
    assert f"mcp: {server}/{tool} started" in output, output[-6000:]
    return mock, output
