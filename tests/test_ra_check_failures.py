"""A cargo check that cannot run never reads as clean: rust_analyzer_diagnostics and
_workspace_diagnostics say check_ran false and give cargo's own reason, in the text and the
structured content (issue: `rust-version` newer than the toolchain hid a borrow error)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from tests.support import text_of
from tests.test_ra_tools import ra_structured

pytestmark = [pytest.mark.anyio, pytest.mark.real]

BORROW_ERROR = """pub fn broken() -> usize {
    let v = vec![1u8];
    let r = &v;
    drop(v);
    r.len()
}
"""


def _crate(directory: Path, manifest_extra: str) -> Path:
    (directory / "src").mkdir(parents=True)
    (directory / "Cargo.toml").write_text(
        f'[package]\nname = "{directory.name}"\nversion = "0.1.0"\nedition = "2021"\n{manifest_extra}'
    )
    (directory / "src" / "lib.rs").write_text(BORROW_ERROR)
    return directory


async def test_rust_version_newer_than_the_toolchain_is_not_a_clean_bill(ra: Client, scratch: Path) -> None:
    project = _crate(scratch / "future_rust", 'rust-version = "1.99"\n')
    for tool, arguments in (
        ("rust_analyzer_diagnostics", {"file_path": str(project / "src/lib.rs")}),
        ("rust_analyzer_workspace_diagnostics", {"workspace": str(project)}),
    ):
        result = await ra.call_tool(tool, arguments)
        text = text_of(result)
        report = ra_structured(tool, result)
        assert report["check_ran"] is False, text
        assert "requires rustc 1.99" in report["check_error"], report
        assert "NOT CHECKED" in text and "requires rustc 1.99" in text, text


async def test_the_borrow_error_is_found_once_the_check_can_run(ra: Client, scratch: Path) -> None:
    project = _crate(scratch / "present_rust", "")
    result = await ra.call_tool("rust_analyzer_diagnostics", {"file_path": str(project / "src/lib.rs")})
    report = ra_structured("rust_analyzer_diagnostics", result)
    assert report["check_ran"] is True and report["check_error"] is None, text_of(result)
    assert [d["code"] for d in report["diagnostics"] if d["severity"] == "error"] == ["E0505"]


async def test_a_broken_manifest_is_reported_with_cargos_error(ra: Client, scratch: Path) -> None:
    project = _crate(scratch / "broken_manifest", "[dependencies\n")
    result = await ra.call_tool("rust_analyzer_diagnostics", {"file_path": str(project / "src/lib.rs")})
    text = text_of(result)
    report = ra_structured("rust_analyzer_diagnostics", result)
    assert report["check_ran"] is False and report["files_checked"] == 0, text
    assert "unclosed table" in report["check_error"] and "Cargo.toml:5" in report["check_error"], report
    assert "NOT CHECKED" in text and "unclosed table" in text
    hover = await ra.call_tool(
        "rust_analyzer_hover", {"file_path": str(project / "src/lib.rs"), "line": 1, "column": 8}
    )
    assert hover.is_error and "could not load" in text_of(hover), text_of(hover)
