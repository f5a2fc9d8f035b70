"""Eleventh red team, end to end: a qualified `symbol=` makes rust-analyzer-mcp scan each member's
src/lib.rs for re-exports on a door thread every session of the engine shares. A src/lib.rs padded
with 40,000 blank lines (40 KB) took that scan 49 s: the hover was refused at the door's 30 s and the
thread went on scanning; a larger file held it for hours. Now the hover answers (real rust-analyzer,
through rust-analyzer-mcp on stdio; tests/fast/test_redteam11_reexport_scan.py for the scan itself)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from mcp import Client

LIB = "/// The thing.\npub fn thing() -> u32 {\n    1\n}\n" + "\n" * 40_000 + "pub fn tail() {}\n"


@pytest.mark.real
@pytest.mark.anyio
async def test_a_qualified_symbol_in_a_padded_library_answers(ra: Client, scratch: Path) -> None:
    crate = scratch / "padded"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "padded"\nversion = "0.1.0"\nedition = "2021"\n')
    (crate / "src" / "lib.rs").write_text(LIB)
    arguments = {"symbol": "padded::thing", "workspace": str(crate)}
    await ra.call_tool("rust_analyzer_hover", arguments)  # rust-analyzer loads the crate
    started = time.monotonic()
    result = await ra.call_tool("rust_analyzer_hover", arguments)
    took = time.monotonic() - started
    assert not result.is_error, result.content
    assert "The thing." in str(result.content), result.content
    assert took < 10, f"{took:.1f} s"
