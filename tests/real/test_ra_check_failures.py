"""A cargo check that cannot run never reads as clean: rust_analyzer_diagnostics and
_workspace_diagnostics say check_ran false and give cargo's own reason, in the text and the
structured content (issue: `rust-version` newer than the toolchain hid a borrow error)."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from mcp import Client
from mcp.types import CallToolResult

from tests.real.test_ra_tools import ra_structured
from tests.support import text_of

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


def _slow_to_check(directory: Path, items: int = 1500) -> Path:
    """A crate whose cargo check takes seconds, and never comes from cargo's cache once
    src/broken.rs has an error."""
    parts = ["use std::collections::BTreeMap;\npub mod broken;\n"]
    for i in range(items):
        parts.append(
            f"#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]\n"
            f"pub struct Item{i} {{ pub values: Vec<u64>, pub nested: BTreeMap<String, Vec<u32>> }}\n"
            f"impl Item{i} {{\n    pub fn total(&self) -> u64 {{\n"
            f"        self.values.iter().copied().filter(|v| v % 3 == {i % 3}).sum::<u64>()\n"
            f"            + self.nested.values().flatten().map(|&v| u64::from(v)).sum::<u64>()\n    }}\n}}\n"
        )
    _crate(directory, "")
    (directory / "src" / "lib.rs").write_text("".join(parts))
    (directory / "src" / "broken.rs").write_text("pub fn fine() {}\n")
    return directory


async def test_a_check_restarted_while_it_runs_still_gives_every_error(ra: Client, scratch: Path) -> None:
    """A second diagnostics call (or rust-analyzer itself, when it becomes quiescent) restarts the
    check the first one waits for: the first must wait for the new check, not return at the end of
    the cancelled one with what was published so far (ripgrep: 2 of cargo's 3 errors)."""
    project = _slow_to_check(scratch / "restarted_check")
    clean = await ra.call_tool("rust_analyzer_workspace_diagnostics", {"workspace": str(project)})
    report = ra_structured("rust_analyzer_workspace_diagnostics", clean)
    assert report["check_ran"] is True and report["counts"]["errors"] == 0, text_of(clean)
    broken = project / "src" / "broken.rs"
    broken.write_text(BORROW_ERROR)
    checking = anyio.Event()
    reports: list[str] = []

    async def progress(progress: float, total: float | None, message: str | None) -> None:
        if message and message.startswith("cargo check"):
            reports.append(message)
            if len(reports) >= 2:  # our check has begun and runs (it takes seconds)
                checking.set()

    results: dict[str, CallToolResult] = {}

    async def whole() -> None:
        results["rust_analyzer_workspace_diagnostics"] = await ra.call_tool(
            "rust_analyzer_workspace_diagnostics", {"workspace": str(project)}, progress_callback=progress
        )

    async def one_file() -> None:
        await checking.wait()
        results["rust_analyzer_diagnostics"] = await ra.call_tool(
            "rust_analyzer_diagnostics", {"file_path": str(broken)}
        )

    async with anyio.create_task_group() as group:
        group.start_soon(whole)
        group.start_soon(one_file)
    for tool, result in results.items():
        report = ra_structured(tool, result)
        errors = [d["code"] for d in report["diagnostics"] if d["severity"] == "error"]
        assert report["check_ran"] is True and errors == ["E0505"], f"{tool}: {text_of(result)}"
