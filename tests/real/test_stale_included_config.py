"""Seventh red team, repeated checks: a project's `.cargo/config.toml` may `include` other
configuration files (stable since cargo 1.9x: `include = ["../../shared/flags.toml"]`, relative to
the including file's folder), which cargo reads as part of it. One outside the workspace but inside the
server's allowed root (flags shared by two workspaces) was not stamped, so an edit there (a `--cfg`
that turns on a `compile_error!`) was answered by the old clean check. Real cargo, real bubblewrap,
against cargo's own answer (an error)."""

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
MANIFEST = package("included", '\n[lints.rust]\nunexpected_cfgs = { level = "allow" }\n')
INCLUDE = 'include = ["../../shared/flags.toml"]\n'
LIB = '#[cfg(from_shared)]\ncompile_error!("the shared flags were read");\npub fn value() -> u8 { 1 }\n'


async def test_an_edit_to_an_included_config_outside_the_workspace_is_not_answered_by_an_old_check(
    tmp_path: Path,
) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    crate, shared = root / "crate", root / "shared"
    write_tree(crate, {"Cargo.toml": MANIFEST, "src/lib.rs": LIB, ".cargo/config.toml": INCLUDE})
    write_tree(shared, {"flags.toml": "[build]\nrustflags = []\n"})
    call = {"path": str(crate)}

    async with Client(build_server(CargoSettings(AllowedRoots((root,)))), mode="legacy") as client:
        again = await check_until_settled(client, call)
        assert again["hints"][0].startswith("reused"), again  # the control: a repeat is reused
        (shared / "flags.toml").write_text('[build]\nrustflags = ["--cfg", "from_shared"]\n')
        edited = structured(await client.call_tool("cargo_check", call))
        assert edited["counts"]["errors"] == 1, (edited["hints"], edited["summary"])
        assert "the shared flags were read" in edited["diagnostics"][0]["message"], edited
