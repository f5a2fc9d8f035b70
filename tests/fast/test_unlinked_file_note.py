"""A file of no crate (a module behind a feature that is off: futures-util's src/compat/ without
`compat`) was "0 errors, 0 warnings, 1 file(s) analysed; cargo check ran" with the default
min_severity, which hides rust-analyzer's `unlinked-file` hint: a clean answer about code nothing
compiled (field test 10, futures 0.3.34). The answer now says so whatever min_severity is."""

from __future__ import annotations

from pathlib import Path

from ra_mcp.models import AnalyzerDiagnostic
from ra_mcp.places.cfg_off import no_crate_note
from ra_mcp.tools.diagnostics import at_least


def _hint(code: str) -> AnalyzerDiagnostic:
    return AnalyzerDiagnostic(
        path="futures-util/src/compat/compat01as03.rs",
        line=1,
        column=1,
        end_line=1,
        end_column=1,
        severity="hint",
        code=code,
        source="rust-analyzer",
        message="This file is not included in any crates, so rust-analyzer can't offer IDE services.",
        confirmed=False,
    )


def test_a_file_of_no_crate_is_not_called_clean() -> None:
    found = [_hint("unlinked-file")]
    assert at_least(found, "warning") == []  # what the default answer lists
    note = no_crate_note([Path(found[0].path)])
    assert note is not None and "this file is in no crate" in note and "features=" in note
    assert no_crate_note([]) is None
