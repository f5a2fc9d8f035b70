"""The rayon corpus (rayon 1.10.0 over rayon-core 1.12.1, from crates.io), the sixth field test's
workspace, driven over MCP stdio as a new user's model drives it and checked against the source.
One rust-analyzer-mcp, no cargo run and no raw rust-analyzer: under two minutes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from ra_mcp.tool_set import TOOLS_BY_NAME
from rust_mcp.dev.corpus import RAYON, copy
from tests.support import require_rust_analyzer, server_params, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real, pytest.mark.corpus]


@pytest.fixture(scope="module")
async def rayon(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Path, Client]]:
    require_rust_analyzer()
    base = tmp_path_factory.mktemp("corpus")
    root = copy(RAYON, base)
    params = server_params("rust-analyzer-mcp", "--root", str(base), "--ready-timeout", "600")
    async with Client(params, mode="legacy", read_timeout_seconds=900) as client:
        yield root, client


async def _call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)
    content = result.structured_content
    assert isinstance(content, dict), text_of(result)
    answer: dict[str, Any] = TOOLS_BY_NAME[tool].result_model.model_validate(content).model_dump(mode="json")
    return answer


async def test_join_by_its_public_paths_is_the_function(rayon: tuple[Path, Client]) -> None:
    """rust-analyzer resolves the `join` of rayon's `pub use rayon_core::{join, join_context};` to
    rayon_core's private module `join` (its file at 1:1); `rayon_core::join` was refused as ambiguous
    with "use::join at rayon-core/src/join/mod.rs:1" and `rayon::join` named the module's file."""
    root, client = rayon
    lines = (root / "rayon-core/src/join/mod.rs").read_text().split("\n")
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("pub fn join<"))
    for symbol in ("rayon_core::join", "rayon::join"):
        body = await _call(client, "rust_analyzer_definition", {"symbol": symbol, "workspace": "rayon"})
        found = [(item["path"], item["line"]) for item in body["locations"]]
        assert found == [("rayon-core/src/join/mod.rs", line)], (symbol, body)


async def test_a_rename_says_its_leftovers_are_in_macro_bodies(rayon: tuple[Path, Client]) -> None:
    """`ThreadPool::install` is also called as `pool.install(..)` in test macros' bodies, which
    rust-analyzer does not rename; the preview says how many lines are left and that all are there."""
    root, client = rayon
    in_macros = 0
    for path in (root / "rayon-core/src").rglob("*.rs"):
        text = path.read_text()
        for macro in re.finditer(r"macro_rules! \w+ \{\n(.*?)\n\}\n", text, re.DOTALL):
            in_macros += len(re.findall(r"\.install\(", macro.group(1)))
    assert in_macros > 0
    arguments = {"symbol": "ThreadPool::install", "new_name": "install_op", "workspace": "rayon"}
    body = await _call(client, "rust_analyzer_rename", arguments)
    note = str(body["note"])
    assert f"{in_macros} other code lines still name `install`" in note, note
    assert "(all in macro_rules! bodies, which rust-analyzer does not rename)" in note, note
