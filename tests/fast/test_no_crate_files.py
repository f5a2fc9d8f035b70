"""Files of no crate (modules behind a feature that is off: futures-util's src/compat/ without
`compat`) were counted in the workspace report's files_checked (217 of futures' files, dozens of them
analysed by nobody) with no word about them (field test 11, futures 0.3.34). rust-analyzer says so
of each with its `unlinked-file` hint; now they are not counted, and one note gives their number and
names the first few, in the words the file report uses for one such file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ra_mcp.lsp.lazy_types import lsp
from ra_mcp.places.cfg_off import no_crate_note
from ra_mcp.tools.diagnostics import rust_analyzer_diagnostics
from ra_mcp.tools.mcp_adapter import run_tool
from ra_mcp.tools.parameters import Checking, Paging
from tests.fast.test_workspace_diagnostics_pages import StandIn, page, project, served

pytestmark = pytest.mark.anyio
COMPAT = ("compat01as03.rs", "compat03as01.rs", "executor.rs", "mod.rs", "sink.rs")


class NoCrateStandIn(StandIn):
    """rust-analyzer whose files under src/compat/ are in no crate (their `mod` line is cfg'd off)."""

    def findings(self, uri: str, source: str) -> list[lsp.Diagnostic]:
        if "/src/compat/" not in uri:
            return super().findings(uri, source)
        if source != "rust-analyzer":
            return []  # cargo never compiles them
        start = lsp.Position(line=0, character=0)
        message = "This file is not included in any crates, so rust-analyzer can't offer IDE services."
        return [
            lsp.Diagnostic(
                range=lsp.Range(start=start, end=start),
                severity=lsp.DiagnosticSeverity.Hint,
                code="unlinked-file",
                source="rust-analyzer",
                message=message,
            )
        ]


def with_compat(root: Path) -> Path:
    project(root)
    (root / "src" / "compat").mkdir()
    for name in COMPAT:
        (root / "src" / "compat" / name).write_text("pub fn compat() {}\n")
    return root


async def test_files_of_no_crate_are_not_counted_and_are_named(tmp_path: Path) -> None:
    root = with_compat(tmp_path)
    client = NoCrateStandIn(root)
    report = await page(served(root, client), root, 0)
    assert client.pulls == 8 and report.files_checked == 3  # a.rs, b.rs, lib.rs; not the 5 of compat/
    note = report.note or ""
    assert "5 file(s) in no crate as configured" in note
    assert "src/compat/compat01as03.rs, src/compat/compat03as01.rs, src/compat/executor.rs and 2 more" in note
    assert report.counts.warnings == 6  # the hints do not show at the default min_severity


async def test_a_file_of_no_crate_alone_is_not_counted_either(tmp_path: Path) -> None:
    root = with_compat(tmp_path)
    call = served(root, NoCrateStandIn(root))
    arguments: dict[str, Any] = {
        "file_path": "src/compat/sink.rs",
        "workspace": str(root),
        "checking": Checking(include_check=False),
        "paging": Paging(),
    }
    report = await run_tool(rust_analyzer_diagnostics, call, arguments)
    assert report.files_checked == 0 and report.diagnostics == []
    assert "this file is in no crate as configured" in (report.note or "")


def test_no_note_without_files_of_no_crate() -> None:
    assert no_crate_note([]) is None
    assert no_crate_note([], str) is None
