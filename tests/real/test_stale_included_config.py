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

from cargo_mcp.run import shared_checks
from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server
from rust_mcp.core.roots import AllowedRoots
from tests.support import require_bubblewrap, structured

pytestmark = [pytest.mark.anyio, pytest.mark.real]
MANIFEST = '[package]\nname = "included"\nversion = "0.1.0"\nedition = "2021"\n\n[lints.rust]\n'
MANIFEST += 'unexpected_cfgs = { level = "allow" }\n'
LIB = '#[cfg(from_shared)]\ncompile_error!("the shared flags were read");\npub fn value() -> u8 { 1 }\n'


async def test_an_edit_to_an_included_config_outside_the_workspace_is_not_answered_by_an_old_check(
    tmp_path: Path,
) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    crate, shared = root / "crate", root / "shared"
    for folder in (crate / "src", crate / ".cargo", shared):
        folder.mkdir(parents=True)
    (crate / "Cargo.toml").write_text(MANIFEST)
    (crate / "src" / "lib.rs").write_text(LIB)
    (crate / ".cargo" / "config.toml").write_text('include = ["../../shared/flags.toml"]\n')
    (shared / "flags.toml").write_text("[build]\nrustflags = []\n")
    call = {"path": str(crate)}

    async with Client(build_server(CargoSettings(AllowedRoots((root,)))), mode="legacy") as client:
        clean = structured(await client.call_tool("cargo_check", call))
        assert clean["exit_code"] == 0 and clean["counts"]["errors"] == 0, clean
        for _ in range(3):  # the first runs wrote Cargo.lock and the records: new states, at most 3
            started = shared_checks.RUNS.started
            again = structured(await client.call_tool("cargo_check", call))
            assert again["exit_code"] == 0, again
            if shared_checks.RUNS.started == started:
                break
        assert again["hints"][0].startswith("reused"), again  # the control: a repeat is reused
        (shared / "flags.toml").write_text('[build]\nrustflags = ["--cfg", "from_shared"]\n')
        edited = structured(await client.call_tool("cargo_check", call))
        assert edited["counts"]["errors"] == 1, (edited["hints"], edited["summary"])
        assert "the shared flags were read" in edited["diagnostics"][0]["message"], edited
