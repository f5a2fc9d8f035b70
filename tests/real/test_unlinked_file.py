"""What a field test on tokio found: a module whose `mod` line is behind a `#[cfg]` that is off here
(tokio's `net/windows/named_pipe.rs`, declared through `cfg_net_windows!` as `#[cfg(windows)]`) is in
no crate rust-analyzer loaded. Hover and go-to there answered "no symbol there", which is false and
sends an agent looking elsewhere; rust-analyzer's own `unlinked-file` finding says why."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from ra_mcp.models import HoverResult, LocationList

LIB = """//! A library with a platform module, declared as tokio declares its Windows-only ones.
macro_rules! cfg_windows {
    ($($item:item)*) => { $( #[cfg(windows)] $item )* }
}

cfg_windows! {
    pub mod pipe;
}

/// Always here.
pub struct Everywhere;
"""
PIPE = """/// A named pipe (Windows only).
pub struct NamedPipe {
    pub name: String,
}
"""


def _crate(root: Path) -> Path:
    crate = root / "platform_modules"
    (crate / "src").mkdir(parents=True, exist_ok=True)
    manifest = '[package]\nname = "platform_modules"\nversion = "0.1.0"\nedition = "2021"\n'
    (crate / "Cargo.toml").write_text(manifest)
    (crate / "src" / "lib.rs").write_text(LIB)
    (crate / "src" / "pipe.rs").write_text(PIPE)
    return crate


@pytest.mark.real
@pytest.mark.anyio
async def test_hover_in_a_file_of_no_crate_says_why_nothing_is_found(ra: Client, scratch: Path) -> None:
    crate = _crate(scratch)
    lib = {"file_path": str(crate / "src" / "lib.rs"), "line": 11, "column": 12, "workspace": str(crate)}
    result = await ra.call_tool("rust_analyzer_hover", lib)
    hover = HoverResult.model_validate(result.structured_content)
    assert hover.found and "pub struct Everywhere" in hover.markdown, hover  # the crate is analysed

    pipe = {"file_path": str(crate / "src" / "pipe.rs"), "line": 2, "column": 12, "workspace": str(crate)}
    result = await ra.call_tool("rust_analyzer_hover", pipe)
    hover = HoverResult.model_validate(result.structured_content)
    assert not hover.found and "this file is in no crate" in str(hover.note), hover
    result = await ra.call_tool("rust_analyzer_definition", pipe)
    places = LocationList.model_validate(result.structured_content)
    assert places.total == 0 and "this file is in no crate" in str(places.note), places
