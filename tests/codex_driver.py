"""Driving the real Codex CLI (from npm, in tests/clients) against a mock Responses API on loopback:
its config.toml with our two servers, and one `codex exec` run."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from tests.responses_mock import ResponsesMock, serve_responses
from tests.support import BIN, REPO

CLIENTS = REPO / "tests" / "clients" / "node_modules" / ".bin"


def client_program(name: str) -> str:
    path = CLIENTS / name
    if not path.exists():
        raise AssertionError(f"{path} is missing: run `scripts/setup --clients` (npm ci in tests/clients)")
    return str(path)


def _toml_env(env: Mapping[str, str] | None) -> str:
    if not env:
        return ""
    pairs = ", ".join(f'"{key}" = "{value}"' for key, value in env.items())
    return f"env = {{ {pairs} }}\n"


def codex_config(
    port: int,
    root: Path,
    *,
    sandbox_mode: str = "read-only",
    cargo_args: tuple[str, ...] = (),
    server_env: Mapping[str, str] | None = None,
) -> str:
    """Codex's config.toml: the mock model, the sandbox mode, and both servers registered as the
    README says (parallel calls allowed)."""
    cargo = ", ".join(f'"{arg}"' for arg in ("serve", "--root", str(root), *cargo_args))
    return f"""
model = "mock-model"
model_provider = "mock"
approval_policy = "on-request"
sandbox_mode = "{sandbox_mode}"

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
command = "{BIN / "cargo-mcp"}"
args = [{cargo}]
{_toml_env(server_env)}required = true
tool_timeout_sec = 900
supports_parallel_tool_calls = true

[mcp_servers.rust-analyzer]
command = "{BIN / "rust-analyzer-mcp"}"
args = ["--root", "{root}"]
{_toml_env(server_env)}required = true
tool_timeout_sec = 300
supports_parallel_tool_calls = true
"""


def run_codex(
    tmp_path: Path,
    mock: ResponsesMock,
    workdir: Path,
    root: Path,
    **config: object,
) -> subprocess.CompletedProcess[str]:
    """One `codex exec` in `workdir` whose model makes the calls `mock` scripts; returns the run
    (the mock holds what Codex sent the model)."""
    with serve_responses(mock):
        home = tmp_path / "codex-home"
        home.mkdir(parents=True, exist_ok=True)
        (home / "config.toml").write_text(codex_config(mock.port, root, **config))  # type: ignore[arg-type]
        env = {**os.environ, "CODEX_HOME": str(home), "MOCK_API_KEY": "test"}
        argv = [client_program("codex"), "exec", "--skip-git-repo-check", "--cd", str(workdir)]
        return subprocess.run(
            [*argv, f"use {mock.tool}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            stdin=subprocess.DEVNULL,
            check=False,
        )
