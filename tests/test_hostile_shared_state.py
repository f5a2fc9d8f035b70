"""Second red team, shared state: what a project can write to upset the files' state (tree_state.py)
that decides whether a finished cargo check is reused for another call or session. A manifest naming
a path dependency through a link loop or with a NUL byte must give an answer (cargo's own error), not
an internal error, and the server keeps serving; a real cargo-mcp process over stdio."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mcp import Client

from rust_mcp.core.tree_state import tree_state
from tests.support import BIN, FIXTURES, require_bubblewrap, server_params, structured, text_of

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
