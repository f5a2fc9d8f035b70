"""The unsafe audit in code rust-analyzer does not analyse: a module behind a feature that is off (a
file of no crate, as tokio's fs/file.rs is by default) and a function a `#[cfg]` switches off. Their
unsafe blocks call unsafe functions, but rust-analyzer marks no operation there, and the audit said
"0 unsafe operations" for them (field test 13). It now counts and names them in its note; an analysed
block keeps its operations and adds nothing to the note."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from tests.real.test_ra_tools import call

pytestmark = [pytest.mark.anyio, pytest.mark.real]

MANIFEST = '[package]\nname = "gated_unsafe"\nversion = "0.1.0"\nedition = "2021"\n\n[features]\nfs = []\n'
LIB = """#[cfg(feature = "fs")]
mod fs;

/// Reads through `p`.
pub fn analysed(p: *const u8) -> u8 {
    // SAFETY: the caller passes a valid pointer
    unsafe { std::ptr::read(p) }
}

#[cfg(feature = "never")]
pub fn switched_off(p: *const u8) -> u8 {
    // SAFETY: the caller passes a valid pointer
    unsafe { std::ptr::read(p) }
}
"""
READS = """pub fn reads() -> u8 {
    let x = 7u8;
    // SAFETY: a reference is a valid pointer
    unsafe { std::ptr::read(&x) }
}
"""
GATED = """pub fn gated(p: *const u8) -> u8 {
    // SAFETY: the caller passes a valid pointer
    unsafe { std::ptr::read(p) }
}
"""


async def test_sites_in_code_not_analysed_are_named_not_called_empty(ra: Client, scratch: Path) -> None:
    project = scratch / "gated_unsafe"
    (project / "src").mkdir(parents=True)
    (project / "Cargo.toml").write_text(MANIFEST)
    (project / "src" / "lib.rs").write_text(LIB)
    (project / "src" / "fs.rs").write_text(GATED)
    audit = await call(ra, "rust_analyzer_unsafe_audit", {"workspace": str(project), "include_clippy": False})
    sites = {(s["path"], s["line"]): s for s in audit["sites"]}
    assert set(sites) == {("src/lib.rs", 7), ("src/lib.rs", 13), ("src/fs.rs", 3)}, sites
    assert [op["text"] for op in sites[("src/lib.rs", 7)]["operations"]] == ["read"]
    note = audit["note"]
    assert note.startswith("2 unsafe site(s) rust-analyzer does not analyse"), note
    assert "1 in code a #[cfg] switches off; 1 in 1 file(s) in no crate" in note, note
    assert note.endswith(": src/fs.rs") and "does not mean none" in note, note


async def test_compile_errors_are_not_counted_as_clippy_findings(ra: Client, scratch: Path) -> None:
    """tokio's tests with its features off fail to build (E0432); the audit's note counted those
    errors as "other clippy finding(s)". They are named as compile errors apart."""
    project = scratch / "audit_broken_test"
    (project / "src").mkdir(parents=True)
    (project / "tests").mkdir()
    (project / "Cargo.toml").write_text(MANIFEST.replace("gated_unsafe", "audit_broken_test"))
    (project / "src" / "lib.rs").write_text(READS)
    (project / "tests" / "broken.rs").write_text("use nowhere::Thing;\n\n#[test]\nfn t() {}\n")
    audit = await call(ra, "rust_analyzer_unsafe_audit", {"workspace": str(project)})
    note = audit["note"]
    assert audit["clippy_ran"] and "1 compile error(s) outside unsafe code (E0432 1)" in note, note
    assert "other clippy finding" not in note, note
