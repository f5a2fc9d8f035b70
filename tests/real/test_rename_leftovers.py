"""What a field test on tokio found: renaming `Builder::new_multi_thread` previewed its 58 uses and
said nothing of 60 more code lines naming it behind `#[cfg(loom)]` and `tokio_unstable`, or in
tokio-macros' `quote!` output; written, that rename breaks those builds. The preview now counts and
names the code lines that would still name the old name."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from ra_mcp.models import EditResult

LIB = """/// Builds a runtime.
pub fn new_runtime() -> u32 {
    1
}

pub fn active() -> u32 {
    new_runtime()
}

#[cfg(loom)]
pub fn under_loom() -> u32 {
    new_runtime() + 1 // rust-analyzer renames this one
}

#[cfg(loom)]
mod loom_tests;

// new_runtime in a comment is not counted
pub const NAME: &str = "new_runtime, in a string, is not counted";
/* nor new_runtime in a block comment */
"""
LOOM = """use super::new_runtime;

fn twice() -> u32 {
    new_runtime() * 2
}
"""
TEST = """#![cfg(tokio_unstable)]

#[test]
fn unstable() {
    assert_eq!(gated::new_runtime(), 1);
}
"""


@pytest.mark.real
@pytest.mark.anyio
async def test_a_rename_preview_names_the_uses_rust_analyzer_cannot_see(ra: Client, scratch: Path) -> None:
    crate = scratch / "gated"
    (crate / "src").mkdir(parents=True)
    (crate / "tests").mkdir()
    (crate / "Cargo.toml").write_text('[package]\nname = "gated"\nversion = "0.1.0"\nedition = "2021"\n')
    (crate / "src" / "lib.rs").write_text(LIB)
    (crate / "src" / "loom_tests.rs").write_text(LOOM)
    (crate / "tests" / "unstable.rs").write_text(TEST)
    arguments = {
        "file_path": str(crate / "src" / "lib.rs"),
        "line": 2,
        "column": 8,
        "new_name": "build_runtime",
        "workspace": str(crate),
    }
    result = await ra.call_tool("rust_analyzer_rename", arguments)
    edit = EditResult.model_validate(result.structured_content)
    assert not edit.applied and edit.total_files == 1 and edit.added == 3, edit  # lib.rs only
    note = str(edit.note)
    assert "3 other code lines still name `new_runtime`" in note, note
    assert "src/loom_tests.rs:1, src/loom_tests.rs:4, tests/unstable.rs:5." in note, note
    assert "new_runtime" in (crate / "src" / "lib.rs").read_text()  # a preview writes nothing
