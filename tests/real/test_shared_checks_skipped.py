"""A finished cargo check is not reused after an edit in a folder the project walk skips, when the
build read from it: `include!("../node_modules/value.rs")` (named in rustc's dep-info) and a build
script's `cargo:rerun-if-changed=.git/HEAD` (its output) make those files part of the state, so the
next check runs again and shows the new error (or the new value) instead of the old clean answer;
so does a workspace member outside the workspace's folder. Real cargo, real bubblewrap."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from cargo_mcp.run import shared_checks
from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server
from rust_mcp.core.roots import AllowedRoots
from tests.support import require_bubblewrap, structured
from tests.support.repeated_checks import check_until_settled

pytestmark = [pytest.mark.anyio, pytest.mark.real]
MANIFEST = '[package]\nname = "skipped"\nversion = "0.1.0"\nedition = "2021"\n'
LIB = """pub fn value() -> u8 {
    include!("../node_modules/value.rs")
}

const _: () = assert!(env!("HEAD_LEN").len() < 10, "the head changed");
"""
BUILD = """fn main() {
    println!("cargo:rerun-if-changed=.git/HEAD");
    let head = std::fs::read_to_string(".git/HEAD").unwrap();
    println!("cargo:rustc-env=HEAD_LEN={}", "x".repeat(head.trim().len()));
}
"""


async def test_an_edit_the_build_read_from_a_skipped_folder_is_not_answered_by_an_old_check(
    tmp_path: Path,
) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    crate = root / "crate"
    for folder in ("src", "node_modules", ".git"):
        (crate / folder).mkdir(parents=True)
    (crate / "Cargo.toml").write_text(MANIFEST)
    (crate / "build.rs").write_text(BUILD)
    (crate / "src" / "lib.rs").write_text(LIB)
    (crate / "node_modules" / "value.rs").write_text("1\n")
    (crate / ".git" / "HEAD").write_text("short\n")
    call = {"path": str(crate)}

    async with Client(build_server(CargoSettings(AllowedRoots((root,)))), mode="legacy") as client:
        again = await check_until_settled(client, call)
        assert again["hints"][0].startswith("reused"), again  # the control: a repeat is reused
        started = shared_checks.RUNS.started

        (crate / "node_modules" / "value.rs").write_text('"not a number"\n')
        edited = structured(await client.call_tool("cargo_check", call))
        assert shared_checks.RUNS.started == started + 1, edited["hints"]  # cargo ran again
        assert edited["counts"]["errors"] == 1 and edited["diagnostics"][0]["code"] == "E0308", edited

        (crate / "node_modules" / "value.rs").write_text("1\n")
        (crate / ".git" / "HEAD").write_text("a head much longer than ten\n")
        moved = structured(await client.call_tool("cargo_check", call))
        assert moved["counts"]["errors"] == 1 and "the head changed" in str(moved["diagnostics"]), moved


async def test_an_edit_in_a_member_outside_the_workspace_folder_is_not_answered_by_an_old_check(
    tmp_path: Path,
) -> None:
    """cargo takes `members = ["../sibling"]` (whose `package.workspace` points back): its files are
    part of the state like a path dependency's."""
    require_bubblewrap()
    root = tmp_path / "root"
    workspace, sibling = root / "workspace", root / "sibling"
    for crate in (workspace, sibling):
        (crate / "src").mkdir(parents=True)
    (workspace / "Cargo.toml").write_text(MANIFEST + '\n[workspace]\nmembers = ["../sibling"]\n')
    (workspace / "src" / "lib.rs").write_text("")
    back = 'workspace = "../workspace"\n'
    (sibling / "Cargo.toml").write_text(MANIFEST.replace("skipped", "sibling") + back)
    (sibling / "src" / "lib.rs").write_text("pub fn value() -> u8 {\n    1\n}\n")
    call = {"path": str(workspace), "workspace": True}

    async with Client(build_server(CargoSettings(AllowedRoots((root,)))), mode="legacy") as client:
        again = await check_until_settled(client, call)
        assert again["hints"][0].startswith("reused"), again  # the control: a repeat is reused
        started = shared_checks.RUNS.started

        (sibling / "src" / "lib.rs").write_text('pub fn value() -> u8 {\n    "not a number"\n}\n')
        edited = structured(await client.call_tool("cargo_check", call))
        assert shared_checks.RUNS.started == started + 1, edited["hints"]  # cargo ran again
        assert edited["counts"]["errors"] == 1 and edited["diagnostics"][0]["code"] == "E0308", edited
