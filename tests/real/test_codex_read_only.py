"""Codex CLI with no sandbox_mode set (its default, read-only): cargo_check on a crate without a
Cargo.lock answers with the crate's own type error, not "failed to write Cargo.lock: Read-only file
system": read-only cargo tools resolve into a private lockfile in the target directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import require_bubblewrap
from tests.support.codex_driver import CodexSetup, run_codex

pytestmark = [pytest.mark.clients, pytest.mark.real]
TYPE_ERROR = 'pub fn answer() -> u32 {\n    "forty-two"\n}\n'


def test_codex_default_sandbox_checks_a_crate_without_a_lockfile(tmp_path: Path) -> None:
    require_bubblewrap()
    crate = tmp_path / "root" / "nolock"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "nolock"\nversion = "0.1.0"\nedition = "2021"\n')
    (crate / "src" / "lib.rs").write_text(TYPE_ERROR)
    mock, _ = run_codex(
        tmp_path / "codex", crate, "cargo_check", {"path": str(crate)}, CodexSetup(sandbox_mode=None)
    )
    output = mock.tool_output()
    assert "E0308" in output and "mismatched types" in output, output
    assert "Read-only file system" not in output and "Cargo.lock" not in output, output
    assert not (crate / "Cargo.lock").exists()  # Codex's read-only sandbox: the project stays as it was
    assert (crate / "target" / "rust-mcp-lock" / "Cargo.lock").is_file()


def test_codex_default_sandbox_refuses_a_target_dir_in_another_package(tmp_path: Path) -> None:
    """`build.target-dir = "../B"` under Codex's read-only sandbox: refused before anything runs,
    naming the setting and its file; B's files are as they were."""
    require_bubblewrap()
    root = tmp_path / "root"
    victim, attacker = root / "B", root / "A"
    for crate in (victim, attacker):
        (crate / "src").mkdir(parents=True)
        (crate / "Cargo.toml").write_text(f'[package]\nname = "{crate.name.lower()}"\nversion = "0.1.0"\n')
        (crate / "src" / "lib.rs").write_text("")
    (attacker / ".cargo").mkdir()
    (attacker / ".cargo" / "config.toml").write_text('[build]\ntarget-dir = "../B"\n')
    before = sorted(str(p) for p in victim.rglob("*"))
    mock, _ = run_codex(
        tmp_path / "codex", root, "cargo_check", {"path": str(attacker)}, CodexSetup(sandbox_mode=None)
    )
    output = mock.tool_output()
    assert "Refused:" in output and "build.target-dir = '../B'" in output, output
    assert f"which holds {victim / 'Cargo.toml'}" in output, output
    assert sorted(str(p) for p in victim.rglob("*")) == before
