"""Second red team, shared state: what a project can write to upset the files' state (tree_state.py)
that decides whether a finished cargo check is reused for another call or session. A manifest naming
a path dependency through a link loop or with a NUL byte must give an answer (cargo's own error), not
an internal error, and the server keeps serving; a real cargo-mcp process over stdio."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from mcp import Client

from rust_mcp.core.toml_text import parse_toml
from rust_mcp.core.tree_state import tree_state
from tests.support import BIN, FIXTURES, REPO, require_bubblewrap, server_params, structured, text_of

HOSTILE_DEPENDENCIES = {
    "link-loop": 'foo = { path = "loop" }',
    "nul-byte": 'foo = { path = "a\\u0000b" }',
    "dangling": 'foo = { path = "gone/../../x" }',
}


def _hostile(root: Path, kind: str) -> Path:
    crate = root / kind
    shutil.copytree(FIXTURES / "hello_bin", crate, ignore=shutil.ignore_patterns("target"))
    manifest = crate / "Cargo.toml"
    manifest.write_text(
        manifest.read_text().replace("[dependencies]", f"[dependencies]\n{HOSTILE_DEPENDENCIES[kind]}")
    )
    (crate / "loop").symlink_to("loop")
    return crate


@pytest.mark.parametrize("kind", sorted(HOSTILE_DEPENDENCIES))
def test_a_hostile_path_dependency_gives_a_state_not_an_exception(tmp_path: Path, kind: str) -> None:
    crate = _hostile(tmp_path, kind)
    state = tree_state(crate, (tmp_path,))
    assert isinstance(state, str) and len(state) == 64


@pytest.mark.anyio
@pytest.mark.real
async def test_cargo_check_answers_a_manifest_whose_path_dependency_loops(tmp_path: Path) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    crates = [_hostile(root, kind) for kind in sorted(HOSTILE_DEPENDENCIES)]
    params = server_params(
        str(BIN / "cargo-mcp"), "serve", "--root", str(root), "--log-dir", str(tmp_path / "logs")
    )
    async with Client(params, mode="legacy", read_timeout_seconds=300) as client:
        for crate in crates:
            result = await client.call_tool("cargo_check", {"path": str(crate)})
            said = text_of(result)
            assert "Symlink loop" not in said and "embedded null byte" not in said, said
            assert "Error executing tool" not in said, said
            answer = structured(result)
            assert answer.get("exit_code") not in (None, 0), answer  # cargo itself refused the manifest
        listed = await client.list_tools()
        assert any(tool.name == "cargo_check" for tool in listed.tools)


DEEP = "[" * 3000 + "]" * 3000  # deeper than Python's recursion limit: tomllib raises RecursionError
NESTED_FILES = {
    "manifest": ("Cargo.toml", None),
    "cargo-config": (".cargo/config.toml", f"[env]\nDEEP = {DEEP}\n"),
    "toolchain-file": ("rust-toolchain.toml", f'[toolchain]\nchannel = "stable"\ndeep = {DEEP}\n'),
}


def _nested(root: Path, kind: str) -> Path:
    crate = root / f"nested-{kind}"
    shutil.copytree(FIXTURES / "hello_bin", crate, ignore=shutil.ignore_patterns("target"))
    name, text = NESTED_FILES[kind]
    if text is None:  # the manifest itself: the nesting in its metadata table
        text = (crate / name).read_text() + f"\n[package.metadata]\ndeep = {DEEP}\n"
    (crate / name).parent.mkdir(exist_ok=True)
    (crate / name).write_text(text)
    return crate


@pytest.mark.anyio
@pytest.mark.real
async def test_deeply_nested_toml_in_the_project_gives_an_answer(tmp_path: Path) -> None:
    """A manifest, cargo configuration or toolchain file nested deeper than Python's recursion limit
    (tomllib raises RecursionError, not a ValueError): each call answers, the server keeps serving."""
    require_bubblewrap()
    root = tmp_path / "root"
    crates = [_nested(root, kind) for kind in sorted(NESTED_FILES)]
    logs = str(tmp_path / "logs")
    params = server_params(str(BIN / "cargo-mcp"), "serve", "--root", str(root), "--log-dir", logs)
    async with Client(params, mode="legacy", read_timeout_seconds=300) as client:
        for crate in crates:
            for tool in ("cargo_check", "cargo_metadata"):
                said = text_of(await client.call_tool(tool, {"path": str(crate)}))
                assert "Error executing tool" not in said and "RecursionError" not in said, (crate.name, said)
        listed = await client.list_tools()
        assert any(tool.name == "cargo_check" for tool in listed.tools)


def test_toml_nested_too_deeply_is_not_toml() -> None:
    with pytest.raises(tomllib.TOMLDecodeError):
        parse_toml(f"deep = {DEEP}\n")
    assert parse_toml("a = [[1]]\n") == {"a": [[1]]}


def test_project_toml_is_parsed_only_through_parse_toml() -> None:
    """The class: every parse of a file the project wrote goes through parse_toml, which turns
    tomllib's RecursionError into its TOMLDecodeError."""
    packages = [REPO / name for name in ("rust_mcp", "cargo_mcp", "ra_mcp")]
    direct = [
        f"{path}:{number}"
        for package in packages
        for path in sorted(package.rglob("*.py"))
        if path.name not in ("toml_text.py", "prompts.py")  # prompts.py: our own shipped workflows.toml
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "tomllib.load" in line
    ]
    said = "tomllib called directly (use rust_mcp.core.toml_text.parse_toml): "
    assert direct == [], said + ", ".join(direct)


def test_json_from_processes_and_the_project_is_parsed_only_through_parse_json() -> None:
    """The class: json.loads raises RecursionError (not ValueError) on a line nested a few thousand
    deep, which cargo's stdout (a proc macro's println!), rust-analyzer's stderr and the build
    directory can carry; parse_json turns it into ValueError. Exempt: the proc-macro proxy (standard
    library only, it catches RecursionError itself) and the transports, which measure nesting first."""
    exempt = {"json_nesting.py", "proc_macro_proxy.py", "handshake.py", "relay.py", "stdio.py"}
    packages = [REPO / name for name in ("rust_mcp", "cargo_mcp", "ra_mcp")]
    direct = [
        f"{path}:{number}"
        for package in packages
        for path in sorted(package.rglob("*.py"))
        if path.name not in exempt
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "json.loads(" in line or "json.load(" in line
    ]
    said = "json.loads called directly (use rust_mcp.core.json_nesting.parse_json): "
    assert direct == [], said + ", ".join(direct)


@pytest.mark.anyio
@pytest.mark.real
async def test_a_build_directory_linked_outside_the_roots_is_never_written(tmp_path: Path) -> None:
    """The shared build directory: the agent makes `target` (and in a second crate `target/debug`)
    a link to a directory outside the roots; cargo_check must write nothing there and still answer."""
    require_bubblewrap()
    root, outside = tmp_path / "root", tmp_path / "outside"
    outside.mkdir()
    whole = root / "whole"
    shutil.copytree(FIXTURES / "hello_bin", whole, ignore=shutil.ignore_patterns("target"))
    (whole / "target").symlink_to(outside)
    inner = root / "inner"
    shutil.copytree(FIXTURES / "hello_bin", inner, ignore=shutil.ignore_patterns("target"))
    (inner / "target").mkdir()
    (inner / "target" / "debug").symlink_to(outside)
    logs = str(tmp_path / "logs")
    params = server_params(str(BIN / "cargo-mcp"), "serve", "--root", str(root), "--log-dir", logs)
    async with Client(params, mode="legacy", read_timeout_seconds=300) as client:
        for crate in (whole, inner):
            said = text_of(await client.call_tool("cargo_check", {"path": str(crate)}))
            assert "Error executing tool" not in said, said
    assert sorted(p.name for p in outside.iterdir()) == []
