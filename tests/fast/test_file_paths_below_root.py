"""A server started at a repository root that holds no Cargo.toml, with one workspace below it
(pest/ in the field test): answers write paths relative to that workspace, so a relative
`file_path` copied from an answer resolves there, and says so; one the root itself holds, a
`workspace` or a connection default keeps its own base; a path found nowhere is refused naming
where it was looked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from ra_mcp.lsp.discovery import Analyzer
from ra_mcp.service import AnalyzerService
from ra_mcp.tools.declaration import AnalyzerCall
from ra_mcp.tools.mcp_adapter import resolve_file
from ra_mcp.workspace.pool import WorkspacePool
from rust_mcp.core.errors import Refusal
from rust_mcp.core.roots import AllowedRoots

pytestmark = pytest.mark.anyio
ANALYZER = Analyzer("/usr/bin/rust-analyzer", "rust-analyzer 1.95.0")


def repository(root: Path) -> Path:
    """root/ (no Cargo.toml) holding root/pest/, a workspace whose member is also named pest."""
    workspace = root / "pest"
    (workspace / "pest" / "src").mkdir(parents=True)
    (workspace / "Cargo.toml").write_text('[workspace]\nmembers = ["pest"]\nresolver = "2"\n')
    (workspace / "pest" / "Cargo.toml").write_text('[package]\nname = "pest"\nversion = "0.1.0"\n')
    (workspace / "pest" / "src" / "lib.rs").write_text("pub fn f() {}\n")
    (root / "tools").mkdir()
    (root / "tools" / "gen.rs").write_text("fn main() {}\n")
    return workspace


def call(root: Path, default: Path | None = None) -> AnalyzerCall:
    pool = WorkspacePool(AllowedRoots((root,)), ANALYZER, {})
    return AnalyzerCall(AnalyzerService(pool.roots, pool, root / "logs"), default=default)


async def test_a_path_as_answers_write_it_resolves_in_the_workspace_below(tmp_path: Path) -> None:
    workspace = repository(tmp_path)
    asked = call(tmp_path)
    assert await resolve_file(asked, "pest/src/lib.rs", None) == workspace / "pest" / "src" / "lib.rs"
    assert asked.notes == [f"using workspace pest/ found under {tmp_path}"]


async def test_other_bases_are_kept(tmp_path: Path) -> None:
    workspace = repository(tmp_path)
    plain = call(tmp_path)
    assert await resolve_file(plain, "tools/gen.rs", None) == tmp_path / "tools" / "gen.rs"
    assert plain.notes == []
    member = workspace / "pest"
    named = call(tmp_path)
    assert await resolve_file(named, "src/lib.rs", str(member)) == member / "src" / "lib.rs"
    chosen = call(tmp_path, default=member)
    assert await resolve_file(chosen, "src/lib.rs", None) == member / "src" / "lib.rs"
    assert named.notes == chosen.notes == []


async def test_a_path_found_nowhere_names_where_it_was_looked_for(tmp_path: Path) -> None:
    repository(tmp_path)
    (tmp_path / "second").mkdir()
    (tmp_path / "second" / "Cargo.toml").write_text('[package]\nname = "second"\nversion = "0.1.0"\n')
    with pytest.raises(Refusal) as refused:  # two workspaces below: no guess, the root's base
        await resolve_file(call(tmp_path), "pest/src/lib.rs", None)
    assert str(refused.value) == (
        f"file 'pest/src/lib.rs' does not exist (looked for {tmp_path / 'pest' / 'src' / 'lib.rs'})"
    )
