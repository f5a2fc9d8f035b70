"""Fast tier: the default workspace is chosen in one place. The start ahead (pool_start.default_root,
run before the MCP SDK is imported) and a call without `workspace` (tools/mcp_adapter's
resolve_workspace) must reach the same pool entry, or two rust-analyzers start on one project. Each
used to carry its own copy of the choice; now both call pool_start.workspace_root, which imports
nothing of MCP."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ra_mcp import pool_start
from ra_mcp.lsp.discovery import Analyzer
from ra_mcp.tools import mcp_adapter
from ra_mcp.workspace.pool import WorkspacePool
from rust_mcp.core.errors import Refusal
from rust_mcp.core.roots import AllowedRoots

pytestmark = pytest.mark.anyio
PACKAGE = '[package]\nname = "{name}"\nversion = "0.1.0"\n'


def called(function: Callable[..., Any]) -> set[str]:
    """The names `function` calls (plain names and attribute names)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            target = node.func
            names.add(target.id if isinstance(target, ast.Name) else getattr(target, "attr", ""))
    return names


def test_both_choosers_make_the_one_choice() -> None:
    for chooser in (pool_start.default_root, mcp_adapter.resolve_workspace):
        names = called(chooser)
        assert "workspace_root" in names, chooser.__qualname__
        assert not names & {"discover_project", "root_for"}, f"{chooser.__qualname__} chooses on its own"
    assert "HOW_TO_PICK = " not in inspect.getsource(mcp_adapter)  # the refusal's wording: one copy too


def pool(root: Path) -> WorkspacePool:
    return WorkspacePool(AllowedRoots((root,)), Analyzer("/usr/bin/rust-analyzer", "1.95.0"), {})


async def test_the_one_workspace_below_a_repository_root_is_chosen_with_a_note(tmp_path: Path) -> None:
    project = tmp_path / "crates" / "inner"
    (project / "src").mkdir(parents=True)
    (project / "Cargo.toml").write_text(PACKAGE.format(name="inner"))
    (project / "src" / "lib.rs").write_text("")
    made = pool(tmp_path)
    roots = AllowedRoots((tmp_path,))
    root, note = await pool_start.workspace_root(tmp_path, roots, made)
    assert root == project and note is not None and "crates/inner" in note
    assert await pool_start.default_root(roots, made) == project
    assert await pool_start.workspace_root(project / "src" / "lib.rs", roots, made) == (project, None)


async def test_several_workspaces_below_are_refused_by_name(tmp_path: Path) -> None:
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "Cargo.toml").write_text(PACKAGE.format(name=name))
    with pytest.raises(Refusal, match="workspace="):
        await pool_start.default_root(AllowedRoots((tmp_path,)), pool(tmp_path))
