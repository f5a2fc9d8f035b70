"""Sixth red team, repeated checks: `include!("../../shared/value.rs")` reads a file outside the
workspace but inside the server's allowed root (generated code shared by two workspaces). rustc's
build record names it, but the files' state kept only the recorded files in the workspace's skipped
folders, so an edit there was answered by the old clean check. Files the records name outside the
workspace and inside the allowed roots are stamped too. Real cargo, real bubblewrap, against cargo's
own answer (an error)."""

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
LIB = 'pub fn value() -> u8 {\n    include!("../../shared/value.rs")\n}\n'


async def test_an_edit_to_an_included_file_outside_the_workspace_is_not_answered_by_an_old_check(
    tmp_path: Path,
) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    crate, shared = root / "crate", root / "shared"
    write_tree(crate, {"Cargo.toml": package("outside"), "src/lib.rs": LIB})
    write_tree(shared, {"value.rs": "1\n"})
    call = {"path": str(crate)}

    async with Client(build_server(CargoSettings(AllowedRoots((root,)))), mode="legacy") as client:
        again = await check_until_settled(client, call)
        assert again["hints"][0].startswith("reused"), again  # the control: a repeat is reused
        (shared / "value.rs").write_text('"not a number"\n')
        edited = structured(await client.call_tool("cargo_check", call))
        assert edited["counts"]["errors"] == 1 and edited["diagnostics"][0]["code"] == "E0308", edited
