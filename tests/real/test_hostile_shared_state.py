"""Second red team, shared state: what a project can write to upset the files' state (tree_state.py)
that decides whether a finished cargo check is reused for another call or session. A manifest naming
a path dependency through a link loop or with a NUL byte must give an answer (cargo's own error), not
an internal error, and the server keeps serving; a real cargo-mcp process over stdio."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mcp import Client

from tests.support import BIN, FIXTURES, require_bubblewrap, server_params, structured, text_of
from tests.support.hostile_projects import (
    HOSTILE_DEPENDENCIES,
    NESTED_FILES,
    hostile_dependency_crate,
    nested_toml_crate,
)


@pytest.mark.anyio
@pytest.mark.real
async def test_cargo_check_answers_a_manifest_whose_path_dependency_loops(tmp_path: Path) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    crates = [hostile_dependency_crate(root, kind) for kind in sorted(HOSTILE_DEPENDENCIES)]
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


@pytest.mark.anyio
@pytest.mark.real
async def test_deeply_nested_toml_in_the_project_gives_an_answer(tmp_path: Path) -> None:
    """A manifest, cargo configuration or toolchain file nested deeper than Python's recursion limit
    (tomllib raises RecursionError, not a ValueError): each call answers, the server keeps serving."""
    require_bubblewrap()
    root = tmp_path / "root"
    crates = [nested_toml_crate(root, kind) for kind in sorted(NESTED_FILES)]
    logs = str(tmp_path / "logs")
    params = server_params(str(BIN / "cargo-mcp"), "serve", "--root", str(root), "--log-dir", logs)
    async with Client(params, mode="legacy", read_timeout_seconds=300) as client:
        for crate in crates:
            for tool in ("cargo_check", "cargo_metadata"):
                said = text_of(await client.call_tool(tool, {"path": str(crate)}))
                assert "Error executing tool" not in said and "RecursionError" not in said, (crate.name, said)
        listed = await client.list_tools()
        assert any(tool.name == "cargo_check" for tool in listed.tools)


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
