"""A cargo tool called with `path` naming a Rust source file runs for the package the file belongs
to (real cargo-mcp over stdio, real cargo): the answer names that package's manifest."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from tests.support import structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]


async def test_a_source_file_path_checks_its_package(cargo: Client, workspace_root: Path) -> None:
    source = workspace_root / "lib_errors" / "src" / "lib.rs"
    result = await cargo.call_tool("cargo_check", {"path": str(source)})
    body = structured(result)
    assert body["manifest"] == str(workspace_root / "lib_errors" / "Cargo.toml"), text_of(result)
    assert body["exit_code"] == 101 and body["counts"]["errors"] == 1  # cargo ran on the package
    lockfile = workspace_root / "lib_errors" / "Cargo.lock"
    refused = await cargo.call_tool("cargo_check", {"path": str(lockfile)})
    assert refused.is_error and "is a file but not a Cargo.toml or a .rs source file" in text_of(refused)
