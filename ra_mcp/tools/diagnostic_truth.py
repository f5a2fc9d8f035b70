"""Which diagnostics are true: once cargo's check has run for the files as they are, its verdict is
the truth for errors. rust-analyzer's own analysis is fast but makes mistakes of its own (type
inference it cannot finish, macros it cannot expand) that cargo does not make; shown as errors, an
agent would "fix" correct code. So a finding of rust-analyzer's that cargo check does not also report
is kept, marked unconfirmed, ranked after every confirmed one and never counted as an error or a
warning. When no check ran (skipped, failed, still running), every finding of rust-analyzer's own is
unconfirmed, and the header says why. rust-analyzer's `inactive-code` hints are not such findings:
they state that code is configured out (a feature off, another target), which cargo cannot report
because it compiles none of that code, so they are kept as confirmed hints."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from rust_mcp.core import budgets
from rust_mcp.core.clipping import clip_end

from ..lsp.lazy_types import lsp
from ..models import AnalyzerDiagnostic, DiagnosticCounts

SEVERITY = {1: "error", 2: "warning", 3: "information", 4: "hint"}
SEVERITY_RANK = {"error": 0, "warning": 1, "information": 2, "hint": 3}
Reports = dict[str, list[lsp.Diagnostic]]
# rust-analyzer's findings that state a fact of the configuration, not of its analysis
FACTS = frozenset({"inactive-code"})


class Labels(Protocol):
    """What a finding needs of an answer's locator: whether a file may be shown, and its label."""

    def shown(self, uri: str) -> bool: ...

    def label(self, uri: str) -> str: ...


class Shows(Protocol):
    """What the merge needs of the service: whether a file may be shown, and its locator."""

    def shown(self, uri: str) -> bool: ...

    def locator(self, root: Path) -> Labels: ...


def described(locator: Labels, uri: str, item: lsp.Diagnostic, confirmed: bool) -> AnalyzerDiagnostic:
    related = []
    for info in item.related_information or []:
        if not locator.shown(info.location.uri):
            continue
        where = locator.label(info.location.uri)
        message = clip_end(info.message, budgets.SOURCE_LINE_LIMIT)
        related.append(f"{where}:{info.location.range.start.line + 1}: {message}")
    code = item.code if isinstance(item.code, str) or item.code is None else str(item.code)
    return AnalyzerDiagnostic(
        path=locator.label(uri),
        line=item.range.start.line + 1,
        column=item.range.start.character + 1,
        end_line=item.range.end.line + 1,
        end_column=item.range.end.character + 1,
        severity=SEVERITY.get(int(item.severity or 1), "error"),
        code=code,
        source=item.source or "rust-analyzer",
        message=clip_end(item.message, budgets.RENDERED_LIMIT),  # the project writes some (compile_error!)
        related=related[: budgets.RELATED_PER_DIAGNOSTIC],
        confirmed=confirmed,
    )


def shown_only(service: Shows, *reports: Reports) -> tuple[list[Reports], int]:
    """The reports without files outside the roots (their messages may quote them), and how many
    diagnostics were left out."""
    kept, left_out = [], 0
    for report in reports:
        kept.append({uri: items for uri, items in report.items() if service.shown(uri)})
        left_out += sum(len(items) for uri, items in report.items() if uri not in kept[-1])
    return kept, left_out


def _confirms(check: lsp.Diagnostic, own: lsp.Diagnostic) -> bool:
    """Whether cargo's finding `check` is the same finding as rust-analyzer's `own`: on the same line,
    with the same code or the same severity (rust-analyzer names some codes its own way)."""
    if check.range.start.line != own.range.start.line:
        return False
    return (own.code is not None and str(own.code) == str(check.code)) or check.severity == own.severity


def one_per_message(items: list[lsp.Diagnostic]) -> list[lsp.Diagnostic]:
    """One finding per cargo message. rust-analyzer sends a message with several primary spans as one
    diagnostic per span, all carrying the message's rendered text (`data.rendered`): rayon 1.10.0's
    two `unused_parens` warnings (each pointing at both parentheses) came as four, and the answer
    counted 6 warnings where cargo check reported 4 (field test 12)."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for item in items:
        rendered = item.data.get("rendered") if isinstance(item.data, dict) else None
        if isinstance(rendered, str) and rendered:
            key = (str(item.code), rendered)
            if key in seen:
                continue
            seen.add(key)
        kept.append(item)
    return kept


def merge(service: Shows, root: Path, native: Reports, checked: Reports) -> list[AnalyzerDiagnostic]:
    """One list: cargo check's findings (its hints, which repeat an error's secondary spans, left
    out), then rust-analyzer's own that cargo does not also report, unconfirmed; confirmed findings
    first by severity, then the unconfirmed ones. rust-analyzer's copy of a finding cargo reports
    adds nothing and is dropped, and so is a finding repeated word for word at the same place (cargo
    reports a lint once per target that compiles the file: the library and its tests, or a file
    that several modules include by `#[path]`)."""
    merged: list[AnalyzerDiagnostic] = []
    locator = service.locator(root)
    for uri in sorted(native.keys() | checked.keys()):
        from_check = one_per_message(
            [d for d in checked.get(uri, []) if d.severity != lsp.DiagnosticSeverity.Hint]
        )
        own = [d for d in native.get(uri, []) if not any(_confirms(c, d) for c in from_check)]
        merged += [described(locator, uri, d, True) for d in from_check]
        merged += [described(locator, uri, d, str(d.code) in FACTS) for d in own]
    merged.sort(key=lambda d: (not d.confirmed, SEVERITY_RANK[d.severity], d.path, d.line, d.column))
    seen: set[tuple[object, ...]] = set()
    unique = []
    for item in merged:
        key = (item.path, item.line, item.column, item.code, item.severity, item.message, item.confirmed)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def count(diagnostics: Iterable[AnalyzerDiagnostic]) -> DiagnosticCounts:
    """Confirmed findings by severity; rust-analyzer's unconfirmed ones apart."""
    items = list(diagnostics)
    severities = [item.severity for item in items if item.confirmed]
    return DiagnosticCounts(
        errors=severities.count("error"),
        warnings=severities.count("warning"),
        information=severities.count("information"),
        hints=severities.count("hint"),
        unconfirmed=sum(1 for item in items if not item.confirmed),
    )
