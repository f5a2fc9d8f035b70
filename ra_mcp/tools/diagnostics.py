"""Fresh diagnostics: rust-analyzer's own analysis, pulled per file, plus the cargo-check results of
a flycheck this call starts and waits for. rust-analyzer has no workspace/diagnostic, so the
workspace report pulls every .rs file of the workspace and runs one workspace-wide check."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from pathlib import Path

import anyio

from rust_mcp.core import budgets
from rust_mcp.core.budgets import ProgressCallback
from rust_mcp.mcp.capabilities import Capability

from .. import render
from ..analyzer import AnalyzerService
from ..locator import Locator
from ..lsp_errors import AnalyzerRequestFailed
from ..lsp_types import lsp
from ..models import AnalyzerDiagnostic, DiagnosticCounts, DiagnosticReport
from ..shown_paths import join_notes, withheld_note
from ..workspaces import Workspace, scan_sources
from .declaration import AnalyzerCall, analyzer_tool
from .parameters import (
    CheckArg,
    CheckTimeoutArg,
    FileArg,
    MinSeverityArg,
    Paging,
    WorkspaceArg,
)

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\S+\s+[A-Z]+\s")
LOG_ERROR = re.compile(r"^\d{4}-\d\d-\d\dT\S+\s+ERROR\s")
SEVERITY = {1: "error", 2: "warning", 3: "information", 4: "hint"}
SEVERITY_RANK = {"error": 0, "warning": 1, "information": 2, "hint": 3}
CHECK_SOURCES = frozenset({"rustc", "clippy"})
CHECK_START_SECONDS = 10.0
SETTLE_SECONDS = 0.4  # quiet after a check: its restart debounce is 50 ms, publishes come every ~15 ms
PROGRESS_SECONDS = 0.5
SKIPPED: str | None = "cargo check skipped (include_check=false)"
PULL_CONCURRENCY = 8
CHECK_TIMEOUT = 300  # seconds; the server's --check-timeout replaces this default


async def run_flycheck(
    workspace: Workspace, uri: str | None, timeout: float, report: ProgressCallback | None
) -> tuple[bool, str | None]:
    """Start rust-analyzer's cargo check and wait for it (see _run_flycheck); while this call waits,
    the check is not cancelled for running long (flycheck_bound.py)."""
    state = workspace.client.state
    state.flycheck_waiting += 1
    try:
        return await _run_flycheck(workspace, uri, timeout, report)
    finally:
        state.flycheck_waiting -= 1


async def _run_flycheck(
    workspace: Workspace, uri: str | None, timeout: float, report: ProgressCallback | None
) -> tuple[bool, str | None]:
    """Start rust-analyzer's cargo check and wait until it has ended, no other has begun and no
    diagnostics have been published for SETTLE_SECONDS. rust-analyzer restarts its check on its own
    (when it becomes quiescent, when cache priming ends, on another client's request): the restart
    cancels the running check, which ends like a finished one, and begins the new one some 50 ms
    later. And it publishes what a check found file by file, each time with all of the file's
    diagnostics so far, still doing so a second after the check's end on ripgrep (460 warnings).
    Reading at the end, or counting begins and ends alone, returned some of the errors.
    Returns (finished, why not). A check that could not start or failed (a `rust-version` newer than
    the toolchain, a broken Cargo.toml) ends like a good one; rust-analyzer says so only in its
    status, so the status decides, and cargo's reason is returned."""
    state = workspace.client.state
    if state.health == "error":  # the workspace did not load (a broken Cargo.toml): nothing to check
        return False, load_failure(workspace)
    begun_before = state.flycheck_begun
    workspace.client.notify("rust-analyzer/runFlycheck", {"textDocument": {"uri": uri} if uri else None})
    started = time.monotonic()
    sent = 0.0
    while True:
        began = state.flycheck_begun > begun_before
        idle = began and state.flycheck_ended >= state.flycheck_begun
        quiet = time.monotonic() - max(state.flycheck_moved, state.published)
        if idle and quiet >= SETTLE_SECONDS:
            break
        elapsed = time.monotonic() - started
        if not began and elapsed > CHECK_START_SECONDS:
            failure = check_failure(state.status_message)
            if failure or state.health == "error":
                return False, failure or f"rust-analyzer could not load the workspace: {state.status_message}"
            return False, "rust-analyzer did not start cargo check (is checkOnSave disabled?)"
        if elapsed > timeout:
            return False, f"cargo check was still running after {timeout:.0f} s; its results are partial"
        state.changed.clear()
        with anyio.move_on_after(SETTLE_SECONDS - quiet if idle else PROGRESS_SECONDS):
            await state.changed.wait()
        if report is not None and not idle:
            sent += 1
            await report(sent, None, f"cargo check: {state.busy_summary()}")
    failure = check_failure(state.status_message)
    return (False, failure) if failure else (True, None)


def load_failure(workspace: Workspace) -> str:
    """Why rust-analyzer could not load the workspace: its status, and cargo's own error from the
    last ERROR in rust-analyzer's log (e.g. "error: unclosed table, expected `]` --> Cargo.toml:5")."""
    reason = f"rust-analyzer could not load the workspace ({workspace.client.state.status_message})"
    lines = list(workspace.client.stderr)
    starts = [i for i, line in enumerate(lines) if LOG_ERROR.match(line)]
    if not starts:
        return reason
    entry = [lines[starts[-1]]]
    for line in lines[starts[-1] + 1 :]:
        if LOG_LINE.match(line):
            break
        entry.append(line)
    text = "\n".join(entry)
    cargo = (text.partition("stderr:")[2] or text.partition("exited with an error:")[2] or text).strip()
    return f"{reason}: {cargo[:2000]}"


def check_failure(status_message: str | None) -> str | None:
    """The part of rust-analyzer's status that says cargo check failed ("cargo check failed to
    start: ... error: rustc 1.95.0 is not supported ..."), or None."""
    text = status_message or ""
    start = text.find("cargo check failed")
    return text[start:].strip() if start >= 0 else None


def _diagnostic(locator: Locator, uri: str, item: lsp.Diagnostic) -> AnalyzerDiagnostic:
    related = []
    for info in item.related_information or []:
        if not locator.shown(info.location.uri):
            continue
        where = locator.label(info.location.uri)
        related.append(f"{where}:{info.location.range.start.line + 1}: {info.message}")
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
        message=item.message,
        related=related[: budgets.RELATED_PER_DIAGNOSTIC],
    )


def shown_only(
    service: AnalyzerService, *reports: dict[str, list[lsp.Diagnostic]]
) -> tuple[list[dict[str, list[lsp.Diagnostic]]], int]:
    """The reports without files outside the roots (their messages may quote them), and how many
    diagnostics were left out."""
    kept, left_out = [], 0
    for report in reports:
        kept.append({uri: items for uri, items in report.items() if service.shown(uri)})
        left_out += sum(len(items) for uri, items in report.items() if uri not in kept[-1])
    return kept, left_out


def merge(
    service: AnalyzerService,
    root: Path,
    native: dict[str, list[lsp.Diagnostic]],
    checked: dict[str, list[lsp.Diagnostic]],
) -> list[AnalyzerDiagnostic]:
    """rustc's hints repeat the secondary spans of an error (already in its related list), and
    rust-analyzer's own version of an error cargo check also reports adds nothing: drop both."""
    merged: list[AnalyzerDiagnostic] = []
    locator = service.locator(root)
    for uri in sorted(native.keys() | checked.keys()):
        from_check = [d for d in checked.get(uri, []) if d.severity != lsp.DiagnosticSeverity.Hint]
        seen = {(d.range.start.line, str(d.code)) for d in from_check}
        own = [d for d in native.get(uri, []) if (d.range.start.line, str(d.code)) not in seen]
        merged += [_diagnostic(locator, uri, d) for d in from_check + own]
    merged.sort(key=lambda d: (SEVERITY_RANK[d.severity], d.path, d.line, d.column))
    return merged


def count(diagnostics: Iterable[AnalyzerDiagnostic]) -> DiagnosticCounts:
    severities = [item.severity for item in diagnostics]
    return DiagnosticCounts(
        errors=severities.count("error"),
        warnings=severities.count("warning"),
        information=severities.count("information"),
        hints=severities.count("hint"),
    )


async def pull(workspace: Workspace, paths: Iterable[Path]) -> dict[str, list[lsp.Diagnostic]]:
    results: dict[str, list[lsp.Diagnostic]] = {}
    limiter = anyio.Semaphore(PULL_CONCURRENCY)

    async def one(path: Path) -> None:
        async with limiter:
            try:
                report = await workspace.client.request(
                    lsp.TEXT_DOCUMENT_DIAGNOSTIC,
                    lsp.DocumentDiagnosticParams(text_document=lsp.TextDocumentIdentifier(uri=path.as_uri())),
                    timeout=60,
                )
            except AnalyzerRequestFailed as exc:
                if "file not found" in str(exc) and workspace.client.state.health == "error":
                    return  # the workspace did not load; the check's reason says why
                raise
            items = getattr(report, "items", None) or []
            if items:
                results[path.as_uri()] = list(items)

    async with anyio.create_task_group() as group:
        for path in paths:
            group.start_soon(one, path)
    return results


@analyzer_tool(Capability.RUN, "File diagnostics", render.diagnostics)
async def rust_analyzer_diagnostics(
    call: AnalyzerCall,
    file_path: FileArg,
    include_check: CheckArg = True,
    check_timeout_secs: CheckTimeoutArg = CHECK_TIMEOUT,
    *,
    paging: Paging,
) -> DiagnosticReport:
    """A file's errors and warnings, fresh: rust-analyzer's analysis plus a cargo check."""
    service, report, check_timeout = call.service, call.report, check_timeout_secs

    async def operation(workspace: Workspace, path: Path) -> DiagnosticReport:
        uri = path.as_uri()
        native = await pull(workspace, [path])
        finished, why = False, None
        if include_check:
            finished, why = await run_flycheck(workspace, uri, check_timeout, report)
        checked = {uri: list(workspace.client.state.pushed.get(uri, []))} if include_check else {}
        (native, checked), left_out = shown_only(service, native, checked)
        items = merge(service, workspace.root, native, checked)
        page = paging.take(items)
        return DiagnosticReport(
            scope=service.display(path, workspace.root),
            diagnostics=page.items,
            counts=count(items),
            files_checked=0 if workspace.client.state.health == "error" else 1,
            check_ran=finished,
            check_error=why,
            note=join_notes(
                page.note("diagnostics (errors first)"),
                None if include_check else SKIPPED,
                withheld_note(left_out),
            ),
        )

    return await call.in_file(file_path, operation)


@analyzer_tool(Capability.RUN, "Workspace diagnostics", render.diagnostics)
async def rust_analyzer_workspace_diagnostics(
    call: AnalyzerCall,
    workspace: WorkspaceArg = None,
    include_check: CheckArg = True,
    check_timeout_secs: CheckTimeoutArg = CHECK_TIMEOUT,
    min_severity: MinSeverityArg = "warning",
    *,
    paging: Paging,
) -> DiagnosticReport:
    """Errors and warnings in every file of the workspace plus one cargo check; errors first."""
    service, report, check_timeout = call.service, call.report, check_timeout_secs

    async def operation(workspace: Workspace) -> DiagnosticReport:
        files = [p for p in scan_sources(workspace.root) if p.suffix == ".rs" and service.shown(p.as_uri())]
        native = await pull(workspace, files)
        finished, why = False, None
        if include_check:
            finished, why = await run_flycheck(workspace, None, check_timeout, report)
        checked = (
            {uri: list(items) for uri, items in workspace.client.state.pushed.items()}
            if include_check
            else {}
        )
        (native, checked), left_out = shown_only(service, native, checked)
        items = merge(service, workspace.root, native, checked)
        kept = [d for d in items if SEVERITY_RANK[d.severity] <= SEVERITY_RANK[min_severity]]
        counts = count(kept)
        note = join_notes(None if include_check else SKIPPED, withheld_note(left_out))
        page = paging.take(kept)
        note = join_notes(page.note("diagnostics (errors first)"), note)
        return DiagnosticReport(
            scope=f"workspace {workspace.root}",
            diagnostics=page.items,
            counts=counts,
            files_checked=0 if workspace.client.state.health == "error" else len(files),
            check_ran=finished,
            check_error=why,
            note=note,
        )

    return await call.in_workspace(workspace, operation)
