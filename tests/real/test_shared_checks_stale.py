"""A finished cargo check is reused only while every file the build reads is unchanged: sources in a
hidden directory (`include!("../.gen/value.rs")`) and under a linked directory whose target lies
outside the crate are part of the files' state too, so an edit there makes the next check run again
and show the new error instead of the old run's clean answer. Real cargo, real bubblewrap."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from cargo_mcp.run import shared_checks
from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server
from rust_mcp.core.roots import AllowedRoots
from tests.support import require_bubblewrap, structured

pytestmark = [pytest.mark.anyio, pytest.mark.real]
LIB = """pub fn value() -> u8 {
    include!("../.gen/value.rs")
}

mod linked;

pub fn other() -> u8 {
    linked::other()
}
"""


async def test_an_edit_in_a_hidden_or_linked_directory_is_not_answered_by_an_old_check(
    tmp_path: Path,
) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    crate, elsewhere = root / "crate", root / "elsewhere"
    (crate / "src").mkdir(parents=True)
    (crate / ".gen").mkdir()
    elsewhere.mkdir()
    (crate / "Cargo.toml").write_text('[package]\nname = "stale"\nversion = "0.1.0"\nedition = "2021"\n')
    (crate / "src" / "lib.rs").write_text(LIB)
    (crate / ".gen" / "value.rs").write_text("1\n")
    (elsewhere / "mod.rs").write_text("pub fn other() -> u8 {\n    2\n}\n")
    (crate / "src" / "linked").symlink_to(elsewhere)
    call = {"path": str(crate)}

    async with Client(build_server(CargoSettings(AllowedRoots((root,)))), mode="legacy") as client:
        clean = structured(await client.call_tool("cargo_check", call))
        assert clean["exit_code"] == 0 and clean["counts"]["errors"] == 0, clean
        await client.call_tool("cargo_check", call)  # the first run wrote Cargo.lock: a new state
        started = shared_checks.RUNS.started
        reused = structured(await client.call_tool("cargo_check", call))
        assert shared_checks.RUNS.started == started and reused["hints"][0].startswith("reused"), reused

        (crate / ".gen" / "value.rs").write_text('"not a number"\n')
        hidden = structured(await client.call_tool("cargo_check", call))
        assert shared_checks.RUNS.started == started + 1, hidden["hints"]  # cargo ran again
        assert hidden["counts"]["errors"] == 1 and hidden["diagnostics"][0]["code"] == "E0308", hidden

        (crate / ".gen" / "value.rs").write_text("1\n")
        (elsewhere / "mod.rs").write_text('pub fn other() -> u8 {\n    "not a number"\n}\n')
        linked = structured(await client.call_tool("cargo_check", call))
        assert shared_checks.RUNS.started == started + 2, linked["hints"]
        assert linked["counts"]["errors"] == 1 and linked["diagnostics"][0]["code"] == "E0308", linked


async def test_a_toolchain_pinned_in_a_parent_directory_changed_is_not_answered_by_an_old_check(
    tmp_path: Path,
) -> None:
    """rustup picks the toolchain from rust-toolchain.toml in the crate's directory or any parent;
    a pin changed above the workspace makes cargo build with another compiler."""
    require_bubblewrap()
    root = tmp_path / "root"
    crate = root / "crate"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "pinned"\nversion = "0.1.0"\nedition = "2021"\n')
    (crate / "src" / "lib.rs").write_text("#![feature(never_type)]\npub fn f() -> u8 {\n    1\n}\n")
    (root / "rust-toolchain.toml").write_text('[toolchain]\nchannel = "nightly"\n')
    call = {"path": str(crate)}

    async with Client(build_server(CargoSettings(AllowedRoots((root,)))), mode="legacy") as client:
        for _ in range(2):  # the first run writes Cargo.lock: a new state, run once more
            await client.call_tool("cargo_check", call)
        nightly = structured(await client.call_tool("cargo_check", call))
        assert nightly["exit_code"] == 0 and nightly["hints"] and nightly["hints"][0].startswith("reused"), (
            nightly
        )
        started = shared_checks.RUNS.started
        (root / "rust-toolchain.toml").write_text('[toolchain]\nchannel = "stable"\n')
        stable = structured(await client.call_tool("cargo_check", call))
        assert shared_checks.RUNS.started == started + 1, stable["hints"]
        assert stable["exit_code"] != 0 and stable["diagnostics"][0]["code"] == "E0554", stable
