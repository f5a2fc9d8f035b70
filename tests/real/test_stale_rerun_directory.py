"""Sixth red team, repeated checks: a build script's `cargo:rerun-if-changed=node_modules/pkg` names a
directory, and cargo runs the script again when any file in it changes (it scans the directory). The
files' state stamped only the directory itself (whose times change when a name is added or removed,
not when a file in it is written), so an edit to `node_modules/pkg/value.txt` was answered by the old
clean check. Real cargo, real bubblewrap, against cargo's own answer (an error)."""

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
BUILD = """fn main() {
    println!("cargo:rerun-if-changed=node_modules/pkg");
    let value = std::fs::read_to_string("node_modules/pkg/deeper/value.txt").unwrap();
    println!("cargo:rustc-env=VALUE={}", value.trim());
}
"""
LIB = 'const _: () = assert!(env!("VALUE").len() < 10, "the value is too long");\n'


async def test_an_edit_in_a_directory_a_build_script_watches_is_not_answered_by_an_old_check(
    tmp_path: Path,
) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    crate = root / "crate"
    value = crate / "node_modules" / "pkg" / "deeper" / "value.txt"
    write_tree(crate, {"Cargo.toml": package("rerun"), "build.rs": BUILD, "src/lib.rs": LIB})
    write_tree(value.parent, {value.name: "short\n"})
    call = {"path": str(crate)}

    async with Client(build_server(CargoSettings(AllowedRoots((root,)))), mode="legacy") as client:
        again = await check_until_settled(client, call)
        assert again["hints"][0].startswith("reused"), again  # the control: a repeat is reused
        value.write_text("a value much longer than ten\n")
        edited = structured(await client.call_tool("cargo_check", call))
        assert edited["counts"]["errors"] == 1 and "too long" in str(edited["diagnostics"]), edited
