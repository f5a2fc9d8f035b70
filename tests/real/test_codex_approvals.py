"""What Codex CLI (`codex exec`, approval policy `never`) does with our write tools and with long
calls, and the settings that make them work: per-tool `approval_mode = "approve"` plus the servers'
`--no-confirm`, and a `tool_timeout_sec` above the longest call (progress does not extend it)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support import BIN, copy_fixture, require_rust_analyzer, wait_until_gone
from tests.support.codex_driver import CodexSetup, run_codex

pytestmark = [pytest.mark.clients, pytest.mark.real]
CANCELLED = "MCP tool call requires approval, but approval policy is never"


def approve(server: str, *tools: str) -> str:
    """Codex's per-tool approval setting, as the README recommends it."""
    return "".join(f'\n[mcp_servers.{server}.tools.{tool}]\napproval_mode = "approve"\n' for tool in tools)


def test_codex_exec_cancels_a_write_tool_without_an_approval_setting(tmp_path: Path, scratch: Path) -> None:
    project = copy_fixture("hello_bin", scratch / "codex-no-approval")
    before = (project / "Cargo.toml").read_text()
    mock, output = run_codex(
        tmp_path,
        scratch,
        "cargo_add",
        {"path": str(project), "dependencies": ["itoa@1"]},
        CodexSetup(approval_policy="never"),
    )
    assert CANCELLED in mock.tool_output() and "cargo_add (failed)" in output
    assert (project / "Cargo.toml").read_text() == before


def test_codex_exec_approved_tool_still_meets_our_confirmation(tmp_path: Path, scratch: Path) -> None:
    """Codex runs the approved tool, but declines the server's own question (elicitation) in exec."""
    project = copy_fixture("with_path_dep", scratch / "codex-declined")
    before = (project / "Cargo.toml").read_text()
    mock, _ = run_codex(
        tmp_path,
        scratch,
        "cargo_remove",
        {"path": str(project), "dependencies": ["helper"]},
        CodexSetup(
            approval_policy="never",
            sandbox_mode="workspace-write",
            extra_config=approve("cargo", "cargo_remove"),
        ),
    )
    assert "the user declined: cargo remove takes helper out of" in mock.tool_output()
    assert (project / "Cargo.toml").read_text() == before


def test_codex_exec_runs_approved_write_tools_with_no_confirm(tmp_path: Path, scratch: Path) -> None:
    require_rust_analyzer()
    project = copy_fixture("with_path_dep", scratch / "codex-approved")
    workspace = copy_fixture("workspace", scratch / "codex-approved")
    setup = CodexSetup(
        approval_policy="never",
        sandbox_mode="workspace-write",  # under read-only, write tools are refused (see test_client_writes)
        cargo_args=("--no-confirm",),
        analyzer_args=("--no-confirm",),
        extra_config=approve("cargo", "cargo_add", "cargo_remove")
        + approve("rust-analyzer", "rust_analyzer_rename"),
    )
    removed, _ = run_codex(
        tmp_path, scratch, "cargo_remove", {"path": str(project), "dependencies": ["helper"]}, setup
    )
    assert json.loads(removed.tool_output().split("Output:\n", 1)[1])["ok"] is True
    assert "helper" not in (project / "Cargo.toml").read_text()
    rename = {"symbol": "Point::norm2", "new_name": "squared_norm", "apply": True}
    renamed, _ = run_codex(
        tmp_path, scratch, "rust_analyzer_rename", {**rename, "workspace": str(workspace)}, setup
    )
    assert '"applied":true' in renamed.tool_output()
    assert "far.squared_norm()" in (workspace / "app" / "src" / "main.rs").read_text()
    assert "pub fn squared_norm(&self)" in (workspace / "geometry" / "src" / "lib.rs").read_text()


def slow_suite(directory: Path, tests: int) -> Path:
    """A crate whose tests take a second each: run one at a time, each finish is a progress step."""
    (directory / "src").mkdir(parents=True)
    manifest = '[package]\nname = "slow_suite"\nversion = "0.1.0"\nedition = "2021"\n'
    (directory / "Cargo.toml").write_text(manifest)
    body = "".join(
        f"    #[test]\n    fn step_{i:02}() {{ std::thread::sleep(std::time::Duration::from_secs(1)); }}\n"
        for i in range(tests)
    )
    (directory / "src" / "lib.rs").write_text(f"#[cfg(test)]\nmod tests {{\n{body}}}\n")
    # built beforehand, so the tests (and their progress) start at once even on a busy machine
    subprocess.run(["cargo", "test", "--no-run", "--quiet"], cwd=directory, check=True)
    return directory


def recording_server(directory: Path) -> tuple[Path, Path, Path]:
    """A cargo-mcp command that records what Codex sent it and what it answered."""
    sent, answered = directory / "sent.jsonl", directory / "answered.jsonl"
    script = directory / "cargo-mcp-recorded"
    script.write_text(f'#!/bin/sh\ntee -a "{sent}" | "{BIN / "cargo-mcp"}" "$@" | tee -a "{answered}"\n')
    script.chmod(0o755)
    return script, sent, answered


@pytest.mark.anyio
async def test_codex_times_out_a_call_despite_progress(tmp_path: Path, scratch: Path) -> None:
    """Codex 0.169 does not extend tool_timeout_sec when progress arrives: it gives up on time and
    cancels the call, and the server kills cargo's whole process group."""
    crate = slow_suite(scratch / "codex-progress", tests=15)
    command, sent, answered = recording_server(tmp_path)
    setup = CodexSetup(cargo_tool_timeout=6, cargo_command=command)
    mock, _ = run_codex(
        tmp_path, scratch, "cargo_test", {"path": str(crate), "args": ["--test-threads=1"]}, setup
    )
    assert "timed out awaiting tools/call after 6s" in mock.tool_output()
    progress = [line for line in answered.read_text().splitlines() if "notifications/progress" in line]
    assert any("test tests::step_" in line for line in progress), progress  # progress did arrive
    assert '"notifications/cancelled"' in sent.read_text()
    assert await wait_until_gone(crate) == []


@pytest.mark.anyio
async def test_codex_gets_a_still_running_answer_before_its_timeout(tmp_path: Path, scratch: Path) -> None:
    """With an answer deadline under Codex's tool timeout (the default 60 s against our 50 s, here
    12 s against 4 s), a long test run is answered as still running, not cut off by Codex; when
    Codex exits, nothing of the run is left behind."""
    crate = slow_suite(scratch / "codex-deadline", tests=15)
    setup = CodexSetup(cargo_tool_timeout=12, server_env={"CARGO_MCP_ANSWER_DEADLINE": "4"})
    mock, _ = run_codex(
        tmp_path, scratch, "cargo_test", {"path": str(crate), "args": ["--test-threads=1"]}, setup
    )
    said = mock.tool_output()
    assert "cargo test still running after" in said and "call cargo_test again" in said, said
    assert "timed out awaiting tools/call" not in said
    assert await wait_until_gone(crate) == []
