"""Red team: rust-analyzer's kept check (rust_mcp/core/analyzer_checks.py) answering a cargo_check of
a session that may read less. In the engine one process hosts every session; a rust-analyzer started
for a session with the roots P and Q runs the project's build script in a sandbox that mounts Q
read-only, so what the script prints may hold Q's files. A cargo_check of a session with the root P
alone, on the same workspace, must not be answered from that check: its own run mounts P only.
Real rust-analyzer, real cargo, real bubblewrap; the canary is a file in a tmp directory."""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from pathlib import Path

import anyio
import pytest
from mcp import Client

from cargo_mcp.run import shared_checks
from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server as build_cargo_server
from ra_mcp.server import build_server as build_analyzer_server
from ra_mcp.settings import AnalyzerSettings
from ra_mcp.workspace import shared_pools
from rust_mcp.core import analyzer_checks
from rust_mcp.core.roots import AllowedRoots
from tests.support import require_bubblewrap, require_rust_analyzer, structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]
FLAGS = {"workspace": True, "all_targets": True}  # rust-analyzer's check: --workspace --all-targets
CANARY = "canary-of-root-q-7d1e"
FLOOD_BYTES = 68 * 1024 * 1024  # written into the tee's copy by the build script
BUILD_RS = """
fn main() {
    let seen = std::fs::read_to_string(SECRET).unwrap_or_else(|_| "unreadable".to_string());
    println!("cargo:warning=secret says {}", seen.trim());
}
"""


def crate_reading(crate: Path, secret: Path) -> None:
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "peek"\nversion = "0.1.0"\nedition = "2021"\n')
    (crate / "src" / "lib.rs").write_text("pub fn one() -> u8 {\n    1\n}\n")
    (crate / "build.rs").write_text(f"const SECRET: &str = {json.dumps(str(secret))};\n{BUILD_RS}")


def two_roots(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Roots P and Q, the canary in Q, and a crate in P whose build script prints it: (P, Q, crate)."""
    root_p, root_q = tmp_path / "p", tmp_path / "q"
    root_q.mkdir()
    secret = root_q / "secret.txt"
    secret.write_text(CANARY + "\n")
    crate = root_p / "peek"
    crate_reading(crate, secret)
    return root_p, root_q, crate


async def test_a_check_run_with_more_roots_does_not_answer_a_session_with_fewer(
    tmp_path: Path, pool_registry: shared_pools.PoolRegistry
) -> None:
    require_bubblewrap()
    require_rust_analyzer()
    root_p, root_q, crate = two_roots(tmp_path)
    wide = AnalyzerSettings(AllowedRoots((root_p, root_q)))  # session B: may read Q
    narrow = CargoSettings(AllowedRoots((root_p,)), log_dir=tmp_path / "logs")  # session A: P only
    async with (
        Client(build_analyzer_server(wide), mode="legacy", read_timeout_seconds=900) as ra,
        Client(build_cargo_server(narrow), mode="legacy", read_timeout_seconds=900) as cargo,
    ):
        await ra.call_tool(
            "rust_analyzer_diagnostics",
            {"file_path": str(crate / "src" / "lib.rs"), "wait": True, "check_timeout_secs": 900},
        )
        with anyio.fail_after(120):  # kept off the loop right after rust-analyzer reports the end
            while (kept := analyzer_checks.FINISHED.get(str(crate))) is None:
                await anyio.sleep(0.1)
        assert CANARY in kept.stderr, kept.stderr[-2000:]  # B's check read Q
        runs = shared_checks.RUNS.started

        result = await cargo.call_tool("cargo_check", {"path": str(crate), **FLAGS})
        body = structured(result)
        log = Path(body["log_path"]).read_text() if body.get("log_path") else ""
        assert CANARY not in text_of(result) + json.dumps(body) + log
        assert shared_checks.RUNS.started == runs + 1  # A's own run, whose sandbox mounts P only
        assert "secret says unreadable" in log, log[-2000:]


FLOOD_RS = """
use std::io::{Seek, SeekFrom, Write};
fn main() {
    println!("cargo:rerun-if-changed=never-there"); // runs again in each check
    let Ok(copies) = std::env::var("RUST_MCP_CHECK_COPIES") else { return };
    let path = std::path::Path::new(&copies).join("stdout.part");
    let Ok(mut file) = std::fs::OpenOptions::new().write(true).open(path) else { return };
    let line = "{\\"reason\\":\\"x\\"}\\n".repeat(4096);
    let _ = file.seek(SeekFrom::Start(0));
    for _ in 0..(SIZE / line.len() + 1) {
        let _ = file.write_all(line.as_bytes());
    }
}
"""


def copies_of(crate: Path) -> Path:
    """The tee's directory whose last check ran in `crate` (other sessions on the machine have theirs)."""
    for directory in Path(tempfile.gettempdir()).glob("rust-mcp-checks-*"):
        with contextlib.suppress(OSError, ValueError):
            if json.loads((directory / "done").read_text())["cwd"] == str(crate):
                return directory
    raise AssertionError(f"no copy of a check in {crate}")


async def test_a_flood_written_into_the_copy_is_not_read_whole(
    tmp_path: Path, pool_registry: shared_pools.PoolRegistry
) -> None:
    """Project code in rust-analyzer's sandbox can write the tee's copy: one larger than the limit is
    not read (held as lines, 64 MiB of them cost the server 1.7 GB), and cargo_check runs cargo."""
    require_bubblewrap()
    require_rust_analyzer()
    root = tmp_path / "root"
    crate = root / "flood"
    crate_reading(crate, tmp_path / "unused")
    (crate / "build.rs").write_text(f"const SIZE: usize = {FLOOD_BYTES};\n{FLOOD_RS}")
    roots = AllowedRoots((root,))
    async with (
        Client(build_analyzer_server(AnalyzerSettings(roots)), mode="legacy", read_timeout_seconds=900) as ra,
        Client(build_cargo_server(CargoSettings(roots, log_dir=tmp_path / "logs")), mode="legacy") as cargo,
    ):
        await ra.call_tool(
            "rust_analyzer_diagnostics",
            {"file_path": str(crate / "src" / "lib.rs"), "wait": True, "check_timeout_secs": 900},
        )
        directory = copies_of(crate)
        assert (directory / "stdout").stat().st_size > analyzer_checks.MAX_COPY_BYTES  # the flood landed
        assert analyzer_checks.read_copy(directory) is None
        runs = shared_checks.RUNS.started
        body = structured(await cargo.call_tool("cargo_check", {"path": str(crate), **FLAGS}))
        assert shared_checks.RUNS.started == runs + 1, body["hints"]
        assert body["exit_code"] == 0, body


PLANT_RS = """
fn main() {
    println!("cargo:rerun-if-changed=never-there");
    let Ok(copies) = std::env::var("RUST_MCP_CHECK_COPIES") else { return };
    for index in 0..PLANTED {
        let _ = std::fs::write(format!("{copies}/planted-{index}"), "");
    }
}
"""


async def test_files_planted_beside_the_copy_are_not_walked_when_rust_analyzer_exits(
    tmp_path: Path, pool_registry: shared_pools.PoolRegistry
) -> None:
    """The directory is cleared on the event loop as rust-analyzer exits; project code can plant
    any number of files there (100,000 took 7.7 s to list and remove, every session stalled): only
    the tee's own names are removed."""
    require_bubblewrap()
    require_rust_analyzer()
    root = tmp_path / "root"
    crate = root / "plant"
    crate_reading(crate, tmp_path / "unused")
    planted = 2000
    (crate / "build.rs").write_text(f"const PLANTED: usize = {planted};\n{PLANT_RS}")
    server = build_analyzer_server(AnalyzerSettings(AllowedRoots((root,))))
    async with Client(server, mode="legacy", read_timeout_seconds=900) as ra:
        await ra.call_tool(
            "rust_analyzer_diagnostics",
            {"file_path": str(crate / "src" / "lib.rs"), "wait": True, "check_timeout_secs": 900},
        )
        directory = copies_of(crate)
        assert len(list(directory.glob("planted-*"))) == planted  # the project code wrote them
    try:
        with anyio.fail_after(60):  # the session gone: its pool closed, rust-analyzer stopped
            while (directory / "done").exists():
                await anyio.sleep(0.1)
        assert not any((directory / name).exists() for name in analyzer_checks.TEE_NAMES)
        assert len(list(directory.glob("planted-*"))) == planted  # not walked on the loop
    finally:
        shutil.rmtree(directory, ignore_errors=True)
