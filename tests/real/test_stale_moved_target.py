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

from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server
from rust_mcp.core.roots import AllowedRoots
from tests.support import require_bubblewrap, structured
from tests.support.repeated_checks import check_until_settled, package, write_tree

pytestmark = [pytest.mark.anyio, pytest.mark.real]
LIB = 'pub fn value() -> u8 {\n    include!("../node_modules/value.rs")\n}\n'


@pytest.mark.parametrize("setting", ["target-dir", "build-dir", "CARGO_TARGET_DIR"])
async def test_an_edit_the_build_read_is_seen_when_the_target_directory_moved(
    tmp_path: Path, setting: str
) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    crate = root / "crate"
    write_tree(crate, {"Cargo.toml": package("moved"), "src/lib.rs": LIB, "node_modules/value.rs": "1\n"})
    call: dict[str, object] = {"path": str(crate)}
    if setting.isupper():  # the model's choice: cargo_env
        call["cargo_env"] = {setting: str(crate / "node_modules" / "out")}
    else:
        write_tree(crate, {".cargo/config.toml": f'[build]\n{setting} = "node_modules/out"\n'})

    async with Client(build_server(CargoSettings(AllowedRoots((root,)))), mode="legacy") as client:
        await check_until_settled(client, call)
        (crate / "node_modules" / "value.rs").write_text('"not a number"\n')
        edited = structured(await client.call_tool("cargo_check", call))
        assert edited["counts"]["errors"] == 1 and edited["diagnostics"][0]["code"] == "E0308", edited


async def test_a_call_naming_the_workspaces_own_target_is_still_shared(tmp_path: Path) -> None:
    """The narrow side: CARGO_TARGET_DIR in cargo_env at the workspace's own `target` (the fix a
    refusal of a target directory elsewhere suggests) leaves the records where they are read."""
    require_bubblewrap()
    crate = tmp_path / "root" / "crate"
    write_tree(crate, {"Cargo.toml": package("moved"), "src/lib.rs": "pub fn value() -> u8 {\n    1\n}\n"})
    call = {"path": str(crate), "cargo_env": {"CARGO_TARGET_DIR": str(crate / "target")}}

    async with Client(build_server(CargoSettings(AllowedRoots((crate.parent,)))), mode="legacy") as client:
        again = await check_until_settled(client, call)
        assert again["hints"][0].startswith("reused"), again
