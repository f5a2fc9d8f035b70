"""Driving the real Claude Code (`claude` from npm in tests/clients) headless against a stand-in
for the Anthropic Messages API on loopback, with our servers registered by the README's
`claude mcp add` lines in a private config directory. One driver for the tests with the engine off
(the suite's default) and on (`engine=` an engine home: Claude Code hands its own environment to
the servers it starts)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support import BIN
from tests.support.engine_e2e import EngineHome
from tests.support.node_clients import node_client

LOOPBACK_ONLY = {
    "ANTHROPIC_API_KEY": "test",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",  # no telemetry, update checks or error reports
    "DISABLE_AUTOUPDATER": "1",
    "MCP_TIMEOUT": "120000",  # milliseconds a server may take to start (CI machines are busy)
}
# the README's registration lines, by server
SERVERS = {
    "cargo": ("cargo-mcp", "serve"),
    "rust-analyzer": ("rust-analyzer-mcp",),
}


def claude_env(config_dir: Path, engine: EngineHome | None = None) -> dict[str, str]:
    """Claude Code's environment: a private config directory, our commands on PATH, nothing leaving
    the machine; with `engine`, the servers it starts use that engine."""
    return {
        **os.environ,
        "CLAUDE_CONFIG_DIR": str(config_dir),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        **LOOPBACK_ONLY,
        **(engine.server_env() if engine is not None else {}),
    }


def register(env: dict[str, str], project: Path, *servers: str) -> None:
    """`claude mcp add NAME -- COMMAND --root PROJECT` for each of `servers`, run in `project`."""
    for name in servers:
        line = ["mcp", "add", name, "--", *SERVERS[name], "--root", str(project)]
        added = subprocess.run(
            [node_client("claude"), *line], cwd=project, env=env, capture_output=True, text=True, check=False
        )
        assert added.returncode == 0, added.stdout + added.stderr


def run_claude(project: Path, env: dict[str, str], port: int, prompt: str, allowed: str) -> str:
    """One `claude -p PROMPT` in `project` whose model is the stand-in on `port`, the tools in
    `allowed` (comma-separated; empty: none) allowed; its JSON output. Fails unless it exits 0."""
    proc = subprocess.run(
        [node_client("claude"), "-p", prompt, "--output-format", "json"]
        + (["--allowedTools", allowed] if allowed else []),
        cwd=project,
        env={**env, "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{port}"},
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout
