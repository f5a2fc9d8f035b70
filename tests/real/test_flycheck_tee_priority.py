"""rust-analyzer's own check runs at a lower CPU priority, and only it (ra_mcp/workspace/flycheck_tee.py,
issue 23's very first session): the tee (rust-analyzer's CARGO), started in a session of its own as
rust-analyzer starts it, runs real cargo on a crate whose build script reports the nice value it
runs with and its session's autogroup (cargo prints a build script's `cargo:warning`). The check's
build script runs at the tee's NICE, in a group lowered to NICE too where the kernel has autogroups,
and its output still reaches rust-analyzer unchanged and is copied whole; any other cargo command
through the same door (the build-script run rust-analyzer makes before analysing, with no
CARGO_LOG) keeps the caller's priority and group."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ra_mcp.workspace import flycheck_tee
from ra_mcp.workspace.check_copies import TEE, tee_environment

pytestmark = pytest.mark.real
FLYCHECK_LOG = "cargo::core::compiler::fingerprint=info"  # what rust-analyzer sets for its check
AUTOGROUP = Path("/proc/self/autogroup")
BUILD_SCRIPT = """use std::fs;
fn main() {
    let stat = fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    // after the command's name: state is field 3, nice field 19 (1-based)
    let group = fs::read_to_string("/proc/self/autogroup").unwrap_or_default();
    let group_nice = group.split_whitespace().last().unwrap_or("none").to_string();
    println!("cargo:warning=nice={} group={}", fields[16], group_nice);
}
"""


def _crate(directory: Path) -> Path:
    (directory / "src").mkdir(parents=True)
    (directory / "Cargo.toml").write_text(
        '[package]\nname = "tee_priority"\nversion = "0.1.0"\nedition = "2021"\nbuild = "build.rs"\n'
    )
    (directory / "build.rs").write_text(BUILD_SCRIPT)
    (directory / "src" / "lib.rs").write_text("pub fn answer() -> u32 { 42 }\n")
    return directory


def _through_tee(
    crate: Path, copies: Path, target: Path, log: str | None
) -> subprocess.CompletedProcess[str]:
    cargo = shutil.which("cargo")
    assert cargo is not None, "cargo is on PATH"
    env = {**os.environ, **tee_environment(Path(cargo), copies), "CARGO_TARGET_DIR": str(target)}
    env.pop("CARGO_LOG", None)
    if log is not None:
        env["CARGO_LOG"] = log
    argv = ["/bin/sh", str(TEE), "check", "--message-format=json", "--workspace", "--all-targets"]
    return subprocess.run(
        argv,
        cwd=crate,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        start_new_session=True,
    )


def _reported(done: subprocess.CompletedProcess[str]) -> tuple[int, str]:
    """(nice, the group's nice or "none") from the build script's warning, wherever cargo printed it."""
    found = re.search(r"nice=(-?\d+) group=(\S+)", done.stdout + done.stderr)
    assert found is not None, f"no warning from the build script:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
    return int(found[1]), found[2]


def _autogroups() -> bool:
    return AUTOGROUP.exists() and Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"


def test_the_check_runs_at_a_lower_priority_and_its_output_is_passed_on_and_copied(tmp_path: Path) -> None:
    crate = _crate(tmp_path / "crate")
    copies = tmp_path / "copies"
    copies.mkdir(mode=0o700)
    done = _through_tee(crate, copies, tmp_path / "target", FLYCHECK_LOG)
    assert done.returncode == 0, done.stderr
    nice, group = _reported(done)
    assert nice == flycheck_tee.NICE
    if _autogroups():  # the check's session: its own group, lowered before cargo starts
        assert group == str(flycheck_tee.NICE)
    assert (copies / "stdout").read_text() == done.stdout  # rust-analyzer's and the copy: the same
    assert (copies / "stderr").read_text() == done.stderr
    record = json.loads((copies / "done").read_text())
    assert record["exit"] == 0 and record["argv"][0] == "check"


def test_other_cargo_runs_through_the_same_door_keep_their_priority(tmp_path: Path) -> None:
    crate = _crate(tmp_path / "crate")
    copies = tmp_path / "copies"
    copies.mkdir(mode=0o700)
    done = _through_tee(crate, copies, tmp_path / "target", None)  # the build-script run: no CARGO_LOG
    assert done.returncode == 0, done.stderr
    nice, group = _reported(done)
    assert nice == os.nice(0)
    if _autogroups():
        assert group == "0"  # its new session's group, as the kernel made it
    assert not (copies / "done").exists()  # not rust-analyzer's check: not copied
