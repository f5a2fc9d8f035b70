"""Codex CLI end to end with its own sandbox on (`workspace-write`, no network): the servers declare
`codex/sandbox-state-meta`, Codex sends the thread's policy with each call, and the servers apply it
on top of their own sandbox. The hostile test called through cargo_test is contained; read-only
tools run without approval and in parallel; without our sandbox Codex will not run them unasked."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.codex_driver import CodexSetup, run_codex_with
from tests.support.hostile_world import RA_EVIDENCE, HostileWorld, hostile_world
from tests.support.responses_mock import ResponsesMock

pytestmark = [pytest.mark.clients, pytest.mark.real]
SLEEPY_TEST = """
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn now_ms() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()
}

#[test]
fn sleeps() {
    let start = now_ms();
    std::thread::sleep(Duration::from_secs(4));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/interval.txt");
    std::fs::write(path, format!("{start} {}", now_ms())).unwrap();
}
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileWorld]:
    with hostile_world(tmp_path_factory.mktemp("hostile-codex")) as built:
        yield built


def _codex(tmp_path: Path, world: HostileWorld, mock: ResponsesMock, workdir: Path, *cargo_args: str) -> str:
    secrets = {
        key: value for key, value in world.server_env().items() if key.endswith(("_TOKEN", "CARGO_HOME"))
    }
    setup = CodexSetup(sandbox_mode="workspace-write", cargo_args=cargo_args, server_env=secrets)
    proc = run_codex_with(tmp_path, mock, workdir, world.root, setup)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def _contained(world: HostileWorld, text: str) -> None:
    assert world.escaped_files() == []
    assert world.listener.connections == []
    assert world.secrets_in(text) == []


def test_codex_workspace_write_contains_the_payload_test_and_applies_its_policy(
    tmp_path: Path, world: HostileWorld
) -> None:
    workspace = world.crate("code")
    arguments = {"path": str(workspace / "app"), "no_fail_fast": True}
    # Codex's agent may write only in `elsewhere`: the project's own files stay read-only, cargo
    # still writes its target directory
    elsewhere = world.root / "elsewhere"
    elsewhere.mkdir()
    mock = ResponsesMock("cargo_test", arguments)
    log = _codex(tmp_path / "narrow", world, mock, elsewhere)
    assert "mcp: cargo/cargo_test started" in log
    output = mock.tool_output()
    assert "ran as test" in output  # the payload ran, and the model saw what it saw
    _contained(world, output)
    assert world.evidence(workspace) == {}, "the payload wrote into a workspace Codex may not write"
    assert (workspace / RA_EVIDENCE / "test").exists(), "the target directory was not writable"
    # with the workspace as Codex's writable root, the payload may write there (and only there)
    mock = ResponsesMock("cargo_test", arguments)
    _codex(tmp_path / "wide", world, mock, workspace)
    _contained(world, mock.tool_output())
    assert "test" in world.evidence(workspace)


def _sleepy(directory: Path) -> Path:
    (directory / "tests").mkdir(parents=True)
    (directory / "Cargo.toml").write_text('[package]\nname = "sleepy"\nversion = "0.1.0"\nedition = "2021"\n')
    (directory / "Cargo.lock").write_text('version = 4\n\n[[package]]\nname = "sleepy"\nversion = "0.1.0"\n')
    (directory / "src").mkdir()
    (directory / "src" / "lib.rs").write_text("")
    (directory / "tests" / "sleep.rs").write_text(SLEEPY_TEST)
    return directory


def test_codex_runs_read_only_tools_without_approval_and_in_parallel(
    tmp_path: Path, world: HostileWorld
) -> None:
    first, second = _sleepy(world.root / "sleepy-1"), _sleepy(world.root / "sleepy-2")
    mock = ResponsesMock("cargo_test", {"path": str(first)}, more=[("cargo_test", {"path": str(second)})])
    _codex(tmp_path, world, mock, world.root)
    for call in ("call_1", "call_2"):
        assert "1 passed" in mock.tool_output(call), mock.tool_output(call)
    (start_1, end_1), (start_2, end_2) = (
        [int(n) for n in (project / "interval.txt").read_text().split()] for project in (first, second)
    )
    assert start_1 < end_2 and start_2 < end_1, "the two tests did not run at the same time"


def test_without_our_sandbox_codex_does_not_run_code_running_tools_unasked(
    tmp_path: Path, world: HostileWorld
) -> None:
    """With --sandbox off, cargo_test says readOnlyHint false (the truth), and Codex, which may not
    ask in `exec`, declines to run it: the payload never runs."""
    workspace = world.crate("code")
    shutil.rmtree(workspace / "hostile-evidence", ignore_errors=True)
    mock = ResponsesMock("cargo_test", {"path": str(workspace / "app")})
    _codex(tmp_path, world, mock, workspace, "--sandbox", "off")
    output = mock.tool_output()
    assert "approval" in output.lower(), output
    assert "ran as test" not in output and world.evidence(workspace) == {}
    assert json.dumps(world.listener.connections) == "[]"
