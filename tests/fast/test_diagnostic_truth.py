"""Diagnostics an agent can trust (fast tier, rust-analyzer's and cargo's findings as LSP data): once
cargo check ran, rust-analyzer's own errors that cargo does not report are unconfirmed, never counted
as errors and never ranked above a confirmed finding; with no check, all of rust-analyzer's findings
are unconfirmed; the header never says the check did not run above a finding of rustc's."""

from __future__ import annotations

from pathlib import Path

from ra_mcp.lsp.lazy_types import lsp
from ra_mcp.models import ANALYZER_CHECK, DiagnosticReport
from ra_mcp.tools import render
from ra_mcp.tools.diagnostic_truth import Labels, count, merge, shown_only

ROOT = Path("/w")
LIB = (ROOT / "src" / "lib.rs").as_uri()
MAIN = (ROOT / "src" / "main.rs").as_uri()
OUTSIDE = Path("/elsewhere/x.rs").as_uri()


class Shown:
    """Files under ROOT are shown, labelled relative to it."""

    def shown(self, uri: str) -> bool:
        return uri.startswith(ROOT.as_uri())

    def label(self, uri: str) -> str:
        return uri.removeprefix(ROOT.as_uri() + "/")

    def locator(self, root: Path) -> Labels:
        return self


def finding(line: int, severity: int, code: str | None, source: str, message: str) -> lsp.Diagnostic:
    start, end = lsp.Position(line=line - 1, character=4), lsp.Position(line=line - 1, character=9)
    place = lsp.Range(start=start, end=end)
    return lsp.Diagnostic(
        range=place, severity=lsp.DiagnosticSeverity(severity), code=code, source=source, message=message
    )


ERROR, WARNING, HINT = 1, 2, 4
# rust-analyzer's own mistake (cargo is happy with line 40), a real error both report, a warning
NATIVE = {
    LIB: [
        finding(40, ERROR, "E0282", "rust-analyzer", "type annotations needed"),
        finding(12, ERROR, "E0308", "rust-analyzer", "expected u32, found i64"),
    ],
    MAIN: [finding(3, WARNING, "unused_variables", "rust-analyzer", "unused variable: `x`")],
}
CHECKED = {
    LIB: [
        finding(12, ERROR, "E0308", "rustc", "mismatched types"),
        finding(12, HINT, None, "rustc", "expected due to this"),
    ],
    MAIN: [finding(3, WARNING, "unused_variables", "rustc", "unused variable: `x`")],
}


def test_after_a_check_only_what_cargo_reports_counts() -> None:
    merged = merge(Shown(), ROOT, NATIVE, CHECKED)
    assert [(d.path, d.line, d.source, d.confirmed) for d in merged] == [
        ("src/lib.rs", 12, "rustc", True),  # confirmed error first
        ("src/main.rs", 3, "rustc", True),  # then confirmed warnings; rust-analyzer's copies dropped
        ("src/lib.rs", 40, "rust-analyzer", False),  # its own error cargo does not confirm: last
    ]
    counts = count(merged)
    assert (counts.errors, counts.warnings, counts.unconfirmed) == (1, 1, 1)


def test_without_a_check_every_native_finding_is_unconfirmed() -> None:
    merged = merge(Shown(), ROOT, NATIVE, {})
    assert all(not d.confirmed for d in merged) and len(merged) == 3
    assert merged[0].severity == "error"  # errors still come first among the unconfirmed
    counts = count(merged)
    assert (counts.errors, counts.warnings, counts.unconfirmed) == (0, 0, 3)


def report(
    check_ran: bool,
    check_error: str | None,
    native: dict[str, list[lsp.Diagnostic]],
    checked: dict[str, list[lsp.Diagnostic]],
) -> DiagnosticReport:
    merged = merge(Shown(), ROOT, native, checked)
    return DiagnosticReport(
        scope="src/lib.rs",
        diagnostics=merged,
        counts=count(merged),
        files_checked=1,
        check_ran=check_ran,
        check_command=ANALYZER_CHECK if check_ran else None,
        check_error=check_error,
    )


def test_the_text_shows_unconfirmed_findings_apart() -> None:
    text = render.diagnostics(report(True, None, NATIVE, CHECKED))
    header, *rest = text.splitlines()
    assert header == (
        "src/lib.rs: 1 errors, 1 warnings, 0 other, 1 unconfirmed (rust-analyzer only) "
        "(1 file(s) analysed; cargo check --workspace --all-targets ran)"
    )
    apart = next(i for i, line in enumerate(rest) if line.startswith("rust-analyzer only, unconfirmed"))
    assert "not reported by cargo check" in rest[apart]
    assert all("src/lib.rs:40" not in line for line in rest[:apart])
    assert "src/lib.rs:40" in rest[apart + 1]


def test_a_check_cut_short_never_says_it_did_not_run_above_rustc_findings() -> None:
    why = "cargo check was still running after 300 s; its results are partial"
    text = render.diagnostics(report(False, why, NATIVE, CHECKED))
    header = text.splitlines()[1]
    assert "cargo check did not finish: its findings so far" in header
    assert "did not run" not in header
    alone = render.diagnostics(report(False, None, NATIVE, {}))
    assert "0 errors" in alone.splitlines()[0] and "3 unconfirmed" in alone.splitlines()[0]
    assert "no finished check to confirm them" in alone


def test_files_outside_the_roots_never_reach_the_list() -> None:
    native = {**NATIVE, OUTSIDE: [finding(1, ERROR, None, "rust-analyzer", "secret line")]}
    (kept_native, kept_checked), left_out = shown_only(Shown(), native, CHECKED)
    merged = merge(Shown(), ROOT, kept_native, kept_checked)
    assert left_out == 1 and all("secret" not in d.message for d in merged) and len(merged) == 3


def test_a_finding_cargo_repeats_word_for_word_is_listed_once() -> None:
    """cargo reports a lint once per target compiling the file (the library and its tests), and once
    per module that includes a file by `#[path]`: one finding to the model, counted once."""
    repeated = finding(23, WARNING, "unreachable_pub", "rustc", "unreachable `pub` item")
    other_column = lsp.Diagnostic(
        range=lsp.Range(start=lsp.Position(line=22, character=8), end=lsp.Position(line=22, character=9)),
        severity=lsp.DiagnosticSeverity(WARNING),
        code="unreachable_pub",
        source="rustc",
        message="unreachable `pub` item",
    )
    merged = merge(Shown(), ROOT, {}, {LIB: [repeated, repeated, other_column]})
    assert [(d.line, d.column) for d in merged] == [(23, 5), (23, 9)]
    assert count(merged).warnings == 2


def test_code_configured_out_is_a_fact_not_a_possible_mistake() -> None:
    """pest_meta's parser.rs had 9 `inactive-code` hints listed as "rust-analyzer only, unconfirmed
    (possibly its own mistake)": they only say a feature is off, which cargo cannot report."""
    inactive = finding(
        7,
        HINT,
        "inactive-code",
        "rust-analyzer",
        'code is inactive due to #[cfg] directives: feature = "x" is disabled',
    )
    for checked in ({}, CHECKED):
        merged = merge(Shown(), ROOT, {LIB: [inactive, *NATIVE[LIB]]}, checked)
        fact = next(item for item in merged if item.code == "inactive-code")
        assert fact.confirmed and fact.severity == "hint"
        assert count(merged).hints == 1 and count(merged).errors == (1 if checked else 0)


def test_a_message_with_two_primary_spans_is_one_finding() -> None:
    """rayon 1.10.0's `.flat_map(|i| (0..i))` (field test 12): rustc's one `unused_parens` warning
    points at both parentheses, and rust-analyzer publishes one diagnostic per primary span, each
    with the message's rendered text; the answer counted 6 warnings where cargo check reported 4."""
    rendered = "warning: unnecessary parentheses around closure body\n --> rayon/src/iter/test.rs:1544:23\n"
    copies = []
    for column in (22, 27):
        item = finding(1544, WARNING, "unused_parens", "rustc", "unnecessary parentheses around closure body")
        item.range.start.character = column
        item.data = {"rendered": rendered}
        copies.append(item)
    other = finding(1548, WARNING, "unused_parens", "rustc", "unnecessary parentheses around closure body")
    other.data = {"rendered": rendered.replace("1544", "1548")}
    merged = merge(Shown(), ROOT, {}, {LIB: [*copies, other]})
    assert [(d.line, d.column) for d in merged] == [(1544, 23), (1548, 5)]
    assert count(merged).warnings == 2
