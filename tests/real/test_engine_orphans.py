"""The engine reaps what a run daemonizes (rust_mcp/engine/reaper.py). A build script that forks a
daemon (a shell in a session of its own starting `sleep` in the background and exiting) leaves cargo's
process group, so the run's group kill misses it; under `--sandbox off` there is no pid namespace to
end it either. It used to be adopted by init and outlive the engine. The engine is now its reaper:
the orphan is adopted by the engine, reaped when it exits, and killed when the engine stops."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from mcp import Client

from tests.support import text_of
from tests.support.engine_support import engine_home

pytestmark = [pytest.mark.real, pytest.mark.anyio]
MANIFEST = '[package]\nname = "daemonizes"\nversion = "0.1.0"\nedition = "2021"\n'
BUILD = r"""use std::process::{Command, Stdio};

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    for name in ["first", "second"] {
        let (tmp, pid) = (format!("{dir}/{name}.tmp"), format!("{dir}/{name}.pid"));
        let script = format!("sleep 600 </dev/null >/dev/null 2>&1 & echo $! > {tmp} && mv {tmp} {pid}");
        Command::new("setsid")
            .args(["sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
    }
}
"""


def state_and_parent(pid: int) -> tuple[str, int] | None:
    """The state letter and parent of `pid` while it is the daemon's `sleep` (a zombie too); None
    once it has left the process table."""
    try:
        name, rest = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)
    except OSError:
        return None
    fields = rest.split()
    return (fields[0], int(fields[1])) if name.endswith("(sleep") else None


def gone_within(pid: int, seconds: float) -> bool:
    """Whether `pid` has left the process table (reaped, not only a zombie) within `seconds`."""
    deadline = time.monotonic() + seconds
    while state_and_parent(pid) is not None and time.monotonic() < deadline:
        time.sleep(0.2)
    return state_and_parent(pid) is None


async def test_a_daemon_a_build_script_leaves_does_not_outlive_the_engine(tmp_path: Path) -> None:
    if shutil.which("setsid") is None:
        pytest.skip("no setsid (util-linux) to daemonize with")
    project = tmp_path / "daemonizes"
    (project / "src").mkdir(parents=True)
    (project / "Cargo.toml").write_text(MANIFEST)
    (project / "build.rs").write_text(BUILD)
    (project / "src" / "lib.rs").write_text("")
    daemons: list[int] = []
    try:
        with engine_home() as home:
            params = home.params("cargo-mcp", "serve", "--root", str(tmp_path), "--sandbox", "off")
            async with Client(params, mode="legacy", read_timeout_seconds=600) as cargo:
                checked = await cargo.call_tool("cargo_check", {"path": str(project)})
                assert not checked.is_error, text_of(checked)
                daemons = [int((project / f"{name}.pid").read_text()) for name in ("first", "second")]
                [engine] = home.engine_pids()
                for pid in daemons:
                    assert state_and_parent(pid) == ("S", engine), "the daemon was not adopted by the engine"
                os.kill(daemons[0], signal.SIGKILL)  # it exits while the engine runs: reaped, no zombie
                assert gone_within(daemons[0], 30), state_and_parent(daemons[0])
        assert home.wait_for_no_engine(60) == []
        assert gone_within(daemons[1], 30), f"the daemon outlived the engine: {state_and_parent(daemons[1])}"
    finally:
        for pid in daemons:
            if state_and_parent(pid) is not None:
                os.kill(pid, signal.SIGKILL)
