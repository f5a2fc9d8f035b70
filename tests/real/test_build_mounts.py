"""Every writable mount is a checked build directory, end to end through a real MCP client with real
cargo and bubblewrap: a build directory moved into another package (by .cargo/config.toml or
cargo_env) is refused and that package's files stay as they were, also under Codex's read-only
policy; cargo_clean deletes only what cargo made and says what it deleted; a read-only client's
cargo_check works on a crate without Cargo.lock; the audit's build directory as a link to a folder
outside is refused and nothing is written there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import pytest
from mcp import Client
from mcp_types import RequestParamsMeta

from tests.support import require_bubblewrap, require_rust_analyzer, server_params, structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]

READ_ONLY_META = cast(
    RequestParamsMeta, {"codex/sandbox-state-meta": {"sandboxPolicy": {"type": "read-only"}}}
)
# a build script that, were it run with B writable, would rewrite B's sources
ATTACK = """
fn main() {{
    let _ = std::fs::write("{victim}/src/lib.rs", "compile_error!(\\"pwned\\");");
    let _ = std::fs::write("{victim}/pwned.txt", "pwned");
}}
"""
TYPE_ERROR = 'pub fn answer() -> u32 {\n    "forty-two"\n}\n'


def _package(directory: Path, name: str, lib: str = "pub fn it() {}\n", build: str | None = None) -> Path:
    (directory / "src").mkdir(parents=True)
    manifest = f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n'
    (directory / "Cargo.toml").write_text(manifest)
    (directory / "src" / "lib.rs").write_text(lib)
    if build is not None:
        (directory / "build.rs").write_text(build)
    return directory


def _files(directory: Path) -> dict[str, bytes]:
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    return {str(p.relative_to(directory)): p.read_bytes() for p in files}


def _config(workspace: Path, text: str) -> None:
    (workspace / ".cargo").mkdir(exist_ok=True)
    (workspace / ".cargo" / "config.toml").write_text(text)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    require_bubblewrap()
    root = tmp_path / "root"
    victim = _package(root / "B", "victim")
    _package(root / "A", "attacker", build=ATTACK.format(victim=victim))
    (tmp_path / "outside").mkdir()
    return root


@pytest.fixture
async def cargo(root: Path) -> AsyncIterator[Client]:
    params = server_params("cargo-mcp", "serve", "--root", str(root), "--no-confirm")
    async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
        yield client


async def _refused(
    client: Client, tool: str, arguments: dict[str, Any], meta: RequestParamsMeta | None = None
) -> str:
    result = await client.call_tool(tool, arguments, meta=meta)
    text = text_of(result)
    assert result.is_error and text.startswith("Refused:"), text
    return text


async def test_a_config_target_dir_that_is_another_package_is_refused(cargo: Client, root: Path) -> None:
    attacker, victim = root / "A", root / "B"
    before = _files(victim)
    config = attacker / ".cargo" / "config.toml"
    _config(attacker, '[build]\ntarget-dir = "../B"\n')
    for tool, meta in (("cargo_check", None), ("cargo_build", READ_ONLY_META), ("cargo_clean", None)):
        text = await _refused(cargo, tool, {"path": str(attacker)}, meta)
        # the value, where it came from, why, and the fix
        assert f"build.target-dir = '../B' in {config}" in text, text
        assert f"which holds {victim / 'Cargo.toml'}" in text, text
        assert f"Fix: remove build.target-dir from {config}" in text, text
    _config(attacker, '[build]\ntarget-dir = "../B/src"\n')
    text = await _refused(cargo, "cargo_check", {"path": str(attacker)})
    assert f"inside {victim}, the package or workspace of {victim / 'Cargo.toml'}" in text, text
    assert _files(victim) == before and not (attacker / "target").exists()


async def test_cargo_target_dir_into_another_package_is_refused(cargo: Client, root: Path) -> None:
    attacker, victim = root / "A", root / "B"
    before = _files(victim)
    value = str(victim / "src")
    for meta in (None, READ_ONLY_META):
        arguments = {"path": str(attacker), "cargo_env": {"CARGO_TARGET_DIR": value}}
        text = await _refused(cargo, "cargo_check", arguments, meta)
        assert f"CARGO_TARGET_DIR={value!r} in cargo_env" in text and f"inside {victim}," in text, text
        assert f"pass CARGO_TARGET_DIR as a folder inside {attacker / 'target'}" in text, text
        text = await _refused(cargo, "cargo_clean", arguments, meta)
        assert f"inside {victim}," in text, text
    assert _files(victim) == before


async def test_cargo_clean_deletes_only_what_cargo_made_and_names_it(cargo: Client, root: Path) -> None:
    workspace = _package(root / "C", "cleaned")
    config = workspace / ".cargo" / "config.toml"
    # a folder beside the workspace (no package in it) may be another workspace's build output
    shared = root / "shared"
    shared.mkdir()
    (shared / "keep.txt").write_text("someone's notes")
    _config(workspace, '[build]\ntarget-dir = "../shared"\n')
    text = await _refused(cargo, "cargo_clean", {"path": str(workspace)})
    assert f"outside the workspace {workspace}" in text, text
    # a folder inside the workspace that cargo did not make is not deleted
    notes = workspace / "notes"
    notes.mkdir()
    (notes / "keep.txt").write_text("someone's notes")
    _config(workspace, '[build]\ntarget-dir = "notes"\n')
    text = await _refused(cargo, "cargo_clean", {"path": str(workspace)})
    assert "has no CACHEDIR.TAG" in text and f"build.target-dir = 'notes' in {config}" in text, text
    assert (shared / "keep.txt").is_file() and (notes / "keep.txt").is_file()
    # a target directory cargo makes is cleaned, and the answer says which and why
    _config(workspace, '[build]\ntarget-dir = "out"\n')
    built = await cargo.call_tool("cargo_build", {"path": str(workspace)})
    assert structured(built)["ok"], text_of(built)
    assert (workspace / "out" / "CACHEDIR.TAG").is_file()
    cleaned = await cargo.call_tool("cargo_clean", {"path": str(workspace)})
    assert structured(cleaned)["ok"], text_of(cleaned)
    said = f"{workspace / 'out'} (from build.target-dir = 'out' in {config}), cargo's build output"
    assert said in text_of(cleaned), text_of(cleaned)
    assert not (workspace / "out").exists()


async def test_a_read_only_client_builds_in_the_workspace_target_with_a_private_lockfile(
    cargo: Client, root: Path
) -> None:
    crate = _package(root / "typo", "typo", lib=TYPE_ERROR)
    result = await cargo.call_tool("cargo_check", {"path": str(crate)}, meta=READ_ONLY_META)
    text = text_of(result)
    assert result.is_error and "E0308" in text and "Read-only file system" not in text, text
    assert not (crate / "Cargo.lock").exists()  # the client's sandbox keeps the project read-only
    assert (crate / "target" / "rust-mcp-lock" / "Cargo.lock").is_file()
    # under read-only, a build directory elsewhere in the workspace (accepted without a client
    # policy) is refused
    _config(crate, '[build]\ntarget-dir = "elsewhere"\n')
    text = await _refused(cargo, "cargo_check", {"path": str(crate)}, READ_ONLY_META)
    assert "Codex read-only" in text, text
    assert f"only this workspace's own target directory {crate / 'target'}" in text, text
    assert f"CARGO_TARGET_DIR={crate / 'target'}" in text and not (crate / "elsewhere").exists()


async def test_the_audit_and_analyzer_build_directories_as_links_outside_are_refused(
    root: Path, tmp_path: Path
) -> None:
    """The audit's `target/rust-mcp-audit` was resolve()d, so a link to any folder was mounted
    writable; rust-analyzer's `<target>/rust-analyzer` is made and mounted the same checked way."""
    require_rust_analyzer()
    crate = _package(root / "audited", "audited", lib="pub fn f(p: *const u8) -> u8 { unsafe { *p } }\n")
    outside = tmp_path / "outside"
    (crate / "target").mkdir()
    (crate / "target" / "rust-mcp-audit").symlink_to(outside)
    analyzed = _package(root / "analyzed", "analyzed")
    (analyzed / "target").mkdir()
    (analyzed / "target" / "rust-analyzer").symlink_to(outside)
    params = server_params("rust-analyzer-mcp", "--root", str(root))
    async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
        audit = await client.call_tool("rust_analyzer_unsafe_audit", {"workspace": str(crate)})
        hover = await client.call_tool(
            "rust_analyzer_hover", {"file_path": str(analyzed / "src" / "lib.rs"), "line": 1, "column": 8}
        )
    for result, link in (
        (audit, crate / "target" / "rust-mcp-audit"),
        (hover, analyzed / "target" / "rust-analyzer"),
    ):
        text = text_of(result)
        assert result.is_error and "symbolic link" in text and str(link) in text, text
    assert list(outside.iterdir()) == []
