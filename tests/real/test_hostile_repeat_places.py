"""Sixth red team, a repeat's places (shared_checks.Repeats.remember): after a cargo_check answered by
a shared check, the directory the call named is resolved to remember where its project was found.
The project's build script (sandboxed, with the workspace writable) turned that directory into a
link to itself while cargo ran: the resolution raised, and the call that had run answered an internal
error instead of cargo's result. The check's answer must come back; the directory is simply not
remembered. Real cargo, real bubblewrap."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server
from rust_mcp.core.roots import AllowedRoots
from tests.support import require_bubblewrap, structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]
MANIFEST = '[package]\nname = "looped"\nversion = "0.1.0"\nedition = "2021"\n'
BUILD = """fn main() {
    if std::fs::remove_dir("sub").is_ok() {
        std::os::unix::fs::symlink("sub", "sub").unwrap();
    }
}
"""


async def test_a_named_directory_looped_during_the_run_still_gets_the_checks_answer(tmp_path: Path) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    crate = root / "crate"
    for folder in ("src", "sub"):
        (crate / folder).mkdir(parents=True)
    (crate / "Cargo.toml").write_text(MANIFEST)
    (crate / "build.rs").write_text(BUILD)
    (crate / "src" / "lib.rs").write_text("")

    async with Client(build_server(CargoSettings(AllowedRoots((root,)))), mode="legacy") as client:
        result = await client.call_tool("cargo_check", {"path": str(crate / "sub")})
        text = text_of(result)
        assert "Error executing tool" not in text and "Symlink loop" not in text, text
        assert structured(result)["exit_code"] == 0, text
        assert (crate / "sub").is_symlink()  # the build script did loop it
        again = await client.call_tool("cargo_check", {"path": str(crate / "sub")})
        assert "sub" in text_of(again) and "Error executing tool" not in text_of(again), text_of(again)
