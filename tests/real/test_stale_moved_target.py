"""Sixth red team, repeated checks: the files a build read from a folder the project walk skips are
found in the build records of the workspace's `target` (skipped_reads.py). A project whose
`.cargo/config.toml` moves its target or build directory (`build.target-dir = "node_modules/out"`,
allowed: inside the workspace), or a call whose cargo_env does, left no record there, so an edit to
`include!("../node_modules/value.rs")` was answered by the old clean check. Real cargo, real
bubblewrap, against cargo's own answer (an error)."""

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
MANIFEST = '[package]\nname = "moved"\nversion = "0.1.0"\nedition = "2021"\n'
LIB = 'pub fn value() -> u8 {\n    include!("../node_modules/value.rs")\n}\n'


@pytest.mark.parametrize("setting", ["target-dir", "build-dir", "CARGO_TARGET_DIR"])
async def test_an_edit_the_build_read_is_seen_when_the_target_directory_moved(
    tmp_path: Path, setting: str
) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    crate = root / "crate"
    for folder in ("src", "node_modules", ".cargo"):
        (crate / folder).mkdir(parents=True)
    (crate / "Cargo.toml").write_text(MANIFEST)
    call: dict[str, object] = {"path": str(crate)}
    if setting.isupper():  # the model's choice: cargo_env
        call["cargo_env"] = {setting: str(crate / "node_modules" / "out")}
    else:
        (crate / ".cargo" / "config.toml").write_text(f'[build]\n{setting} = "node_modules/out"\n')
    (crate / "src" / "lib.rs").write_text(LIB)
    (crate / "node_modules" / "value.rs").write_text("1\n")

    async with Client(build_server(CargoSettings(AllowedRoots((root,)))), mode="legacy") as client:
        clean = structured(await client.call_tool("cargo_check", call))
        assert clean["exit_code"] == 0 and clean["counts"]["errors"] == 0, clean
        for _ in range(3):  # the first runs wrote Cargo.lock and the records: new states, at most 3
            started = shared_checks.RUNS.started
            again = structured(await client.call_tool("cargo_check", call))
            assert again["exit_code"] == 0, again
            if shared_checks.RUNS.started == started:
                break
        (crate / "node_modules" / "value.rs").write_text('"not a number"\n')
        edited = structured(await client.call_tool("cargo_check", call))
        assert edited["counts"]["errors"] == 1 and edited["diagnostics"][0]["code"] == "E0308", edited


async def test_a_call_naming_the_workspaces_own_target_is_still_shared(tmp_path: Path) -> None:
    """The narrow side: CARGO_TARGET_DIR in cargo_env at the workspace's own `target` (the fix a
    refusal of a target directory elsewhere suggests) leaves the records where they are read."""
    require_bubblewrap()
    crate = tmp_path / "root" / "crate"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text(MANIFEST)
    (crate / "src" / "lib.rs").write_text("pub fn value() -> u8 {\n    1\n}\n")
    call = {"path": str(crate), "cargo_env": {"CARGO_TARGET_DIR": str(crate / "target")}}

    async with Client(build_server(CargoSettings(AllowedRoots((crate.parent,)))), mode="legacy") as client:
        for _ in range(4):  # the first runs wrote Cargo.lock and the records: new states, at most 3
            started = shared_checks.RUNS.started
            again = structured(await client.call_tool("cargo_check", call))
            assert again["exit_code"] == 0, again
            if shared_checks.RUNS.started == started:
                break
        assert again["hints"][0].startswith("reused"), again
