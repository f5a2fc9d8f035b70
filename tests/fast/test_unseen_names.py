"""A name defined in a module behind a feature that is off (futures-util's `Compat01As03`, in
src/compat/ without `compat`) was "no symbols match ... (with_dependencies=true also searches
dependencies)": rust-analyzer's index leaves out files of no crate, and the hint sent the agent to the
dependencies, where it is not either (field test 11, futures 0.3.34). The source is the truth: the
answer now names where the source defines it and why rust-analyzer does not see it. rust-analyzer is
a stand-in (no processes): its index is empty, and it calls src/compat/ files of no crate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ra_mcp.lsp.lazy_types import lsp
from ra_mcp.places.symbol_lookup import find_symbol
from ra_mcp.tools.declaration import AnalyzerCall
from ra_mcp.tools.mcp_adapter import run_tool
from ra_mcp.tools.symbols import rust_analyzer_workspace_symbol
from rust_mcp.core.errors import Refusal
from tests.fast.test_no_crate_files import NoCrateStandIn
from tests.fast.test_workspace_diagnostics_pages import project, served

pytestmark = pytest.mark.anyio
COMPAT = "//! Compat01As03 in a comment is not a definition\npub struct Compat01As03<T> {\n    inner: T,\n}\n"


class EmptyIndex(NoCrateStandIn):
    """rust-analyzer whose symbol index holds nothing (src/compat/ is in no crate)."""

    async def request(self, method: str, params: Any, timeout: float = 30.0, **kwargs: Any) -> Any:
        if method == lsp.WORKSPACE_SYMBOL:
            return []
        return await super().request(method, params, timeout, **kwargs)


def futures_like(root: Path) -> tuple[Path, AnalyzerCall]:
    project(root)
    (root / "src" / "compat").mkdir()
    (root / "src" / "compat" / "compat01as03.rs").write_text(COMPAT)
    (root / "src" / "lib.rs").write_text('// Compat01As03\n#[cfg(feature = "compat")]\nmod compat;\n')
    return root, served(root, EmptyIndex(root))


async def search(call: AnalyzerCall, root: Path, query: str) -> str:
    arguments = {"query": query, "workspace": str(root)}
    return (await run_tool(rust_analyzer_workspace_symbol, call, arguments)).note or ""


async def test_a_name_in_a_file_of_no_crate_is_named_there(tmp_path: Path) -> None:
    root, call = futures_like(tmp_path)
    note = await search(call, root, "Compat01As03")
    assert "`Compat01As03` is defined in the source (src/compat/compat01as03.rs:2)" in note, note
    assert "this file is in no crate as configured" in note and "with_dependencies" not in note, note


async def test_a_name_the_source_does_not_define_keeps_the_old_hint(tmp_path: Path) -> None:
    root, call = futures_like(tmp_path)
    note = await search(call, root, "Compat03As01")
    assert note.startswith("no symbols match 'Compat03As01' in the workspace (with_dependencies=true")


async def test_a_symbol_argument_says_so_too(tmp_path: Path) -> None:
    root, call = futures_like(tmp_path)
    workspace = call.service.pool.workspaces[(root, None)]
    with pytest.raises(Refusal) as refused:
        await find_symbol(call.service, workspace, "compat::Compat01As03", None)
    assert "src/compat/compat01as03.rs:2" in str(refused.value) and "in no crate" in str(refused.value)


async def test_of_several_places_the_reason_names_its_own(tmp_path: Path) -> None:
    """tokio's `spawn` is defined in several files; the reason said "this file" after listing three
    (field test 13): it now says which place it is about."""
    root, call = futures_like(tmp_path)
    (root / "src" / "compat" / "again.rs").write_text(COMPAT)
    note = await search(call, root, "Compat01As03")
    assert "(src/compat/again.rs:2, src/compat/compat01as03.rs:2)" in note, note
    assert "does not see it there: at src/compat/again.rs:2, this file is in no crate" in note, note
