"""Fresh diagnostics: rust-analyzer's own analysis, pulled per file, plus the cargo-check results of
a flycheck this call starts and waits for. rust-analyzer has no workspace/diagnostic, so the
workspace report pulls every .rs file of the workspace and runs one workspace-wide check."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import anyio

from rust_mcp.core.cargo_projects import MANIFEST_NAME, manifest_above_root
from rust_mcp.core.project_files import off_loop
from rust_mcp.mcp.capabilities import Capability

from ..lsp import requests
from ..lsp.asking_again import ASK_AGAIN
from ..lsp.errors import AnalyzerRequestFailed
from ..lsp.lazy_types import lsp
from ..models import ANALYZER_CHECK, AnalyzerDiagnostic, DiagnosticReport
from ..places.cfg_off import UNLINKED_FILE, no_crate_note, unlinked_files
from ..places.shown_paths import join_notes, withheld_note
from ..service import AnalyzerService
from ..workspace.flycheck import CheckRun, check_current_state
from ..workspace.readiness import StillIndexing
from ..workspace.workspaces import Workspace, scan_sources
from . import render
from .declaration import AnalyzerCall, InFile, InWorkspace, analyzer_tool
from .diagnostic_truth import SEVERITY_RANK, count, merge, shown_only
from .large_sources import large_note, split_large
from .parameters import Checking, FileArg, Paging, WorkspaceArg
from .required_features import gated_files_note, off_loop_note, skipped_target

ANSWER_MARGIN = 5.0  # seconds kept, before the answer deadline, for building the answer
PULL_TIMEOUT = 60.0  # seconds for one file's diagnostics
PULL_SHARE = 0.5  # of the answer deadline, what a workspace report's pulls may take (the check, the rest)
SKIPPED: str | None = "cargo check skipped (include_check=false)"
PULL_CONCURRENCY = 8


async def pull(
    workspace: Workspace, paths: Iterable[Path], missed: list[Path] | None = None, until: float | None = None
) -> dict[str, list[lsp.Diagnostic]]:
    """rust-analyzer's own diagnostics of each file. With `missed`, a file rust-analyzer does not
    answer for in time (each request 60 s at most, all of them by the monotonic time `until`, before
    quiescence too: strict) is put there instead of failing the whole call: on a large workspace
    under load, one slow file cost the whole workspace's answer."""
    results: dict[str, list[lsp.Diagnostic]] = {}
    limiter = anyio.Semaphore(PULL_CONCURRENCY)

    async def one(path: Path) -> None:
        async with limiter:
            timeout = PULL_TIMEOUT if until is None else min(PULL_TIMEOUT, until - time.monotonic())
            if timeout <= 0 and missed is not None:
                missed.append(path)
                return
            try:
                items = await requests.file_diagnostics(
                    workspace.client, path, max(timeout, 1.0), strict=until is not None
                )
            except TimeoutError:
                if missed is None:
                    raise
                missed.append(path)
                return
            except AnalyzerRequestFailed as exc:
                if "file not found" in str(exc) and workspace.client.state.health == "error":
                    return  # the workspace did not load; the check's reason says why
                if exc.code in ASK_AGAIN and missed is not None:  # still put off when the time ran out
                    missed.append(path)
                    return
                raise
            if items:
                results[path.as_uri()] = items

    async with anyio.create_task_group() as group:
        for path in paths:
            group.start_soon(one, path)
    return results


def not_analysed(missed: list[Path]) -> str | None:
    if not missed:
        return None
    return (
        f"{len(missed)} file(s) not analysed in time (rust-analyzer busy), so their own findings are "
        "missing: call again for them"
    )


def pulls_until(service: AnalyzerService, started: float, wait: bool) -> float | None:
    """When a call's pulls end (time.monotonic()): PULL_SHARE of the answer deadline, unless `wait` or
    the server has no deadline (0)."""
    return None if wait or service.answer_deadline <= 0 else started + service.answer_deadline * PULL_SHARE


def check_bound(service: AnalyzerService, started: float, check_timeout: float, wait: bool) -> float:
    """How long this call may wait for cargo check: `check_timeout_secs`, and unless `wait`, no later
    than the server's answer deadline (under the client's own tool timeout) less a margin."""
    if wait:
        return check_timeout
    left = service.answer_deadline - (time.monotonic() - started) - ANSWER_MARGIN
    return max(1.0, min(check_timeout, left))


def still_running(check: CheckRun, found: int) -> str | None:
    if not check.running:
        return None
    return (
        f"cargo check is still running (its {found} finding(s) so far are listed); it goes on in the "
        "background: call again for the rest (a call while it runs waits for it instead of starting "
        "over), or pass wait=true to wait up to check_timeout_secs"
    )


@analyzer_tool(Capability.RUN, "File diagnostics", render.diagnostics)
async def rust_analyzer_diagnostics(
    here: InFile, file_path: FileArg, workspace: WorkspaceArg = None, *, checking: Checking, paging: Paging
) -> DiagnosticReport:
    """A file's errors and warnings, fresh: rust-analyzer's analysis plus a cargo check."""
    service, ready, path, call = here.service, here.workspace, here.path, here.call
    uri = path.as_uri()
    missed: list[Path] = []
    until = pulls_until(service, here.started, checking.wait)  # the check has the rest
    native = await pull(ready, [path], missed, until)
    check, include_check = CheckRun(False), checking.include_check
    if missed and not include_check:
        raise StillIndexing(
            f"rust-analyzer did not analyse {path.name} in time ({ready.state_text}): call again"
        )
    if include_check:
        bound = check_bound(service, here.started, checking.check_timeout_secs, checking.wait)
        check = await check_current_state(ready, uri, bound, call.report)
    checked = {uri: list(ready.client.state.pushed.get(uri, []))} if include_check else {}
    (native, checked), left_out = shown_only(service, native, checked)
    merged = merge(service, ready.root, native, checked)
    items = at_least(merged, checking.min_severity)
    unlinked = any(d.code == UNLINKED_FILE for d in merged)  # a hint that min_severity may hide
    files_checked = 0 if ready.client.state.health == "error" or missed or unlinked else 1
    alone = await loaded_alone(service, ready.root, items, check)
    skipped = await off_loop_note(skipped_target, path, ready.root)  # the check passed it by
    notes = (
        skipped,
        no_crate_note([path] if unlinked else []),
        None if include_check else SKIPPED,
        not_analysed(missed),
        withheld_note(left_out),
        alone,
    )
    return report(service.display(path, ready.root), items, paging, files_checked, check, *notes)


async def loaded_alone(
    service: AnalyzerService, root: Path, items: list[AnalyzerDiagnostic], check: CheckRun
) -> str | None:
    """For errors, or a check that did not run to the end, in a package loaded below its workspace (a
    session started in a member folder: the allowed root ends below the workspace, so rust-analyzer
    sees the package alone: unresolved crates, or a manifest that inherits from a workspace it cannot
    see): the Cargo.toml above the roots that may be its workspace, and the fix."""
    if not any(d.severity == "error" for d in items) and check.why is None:
        return None
    above = await anyio.to_thread.run_sync(manifest_above_root, root / MANIFEST_NAME, service.roots)
    if above is None:
        return None
    return (
        f"rust-analyzer loaded {root} on its own: the allowed roots end below {above}, which may be "
        f"the workspace this package belongs to (errors such as unresolved crates may come from "
        f"that). If so, start the server with --root {above.parent} (for Codex, start it there)."
    )


def at_least(items: list[AnalyzerDiagnostic], severity: str) -> list[AnalyzerDiagnostic]:
    """The findings of `severity` or worse: a clean file's many inactive-code hints (serde_json's
    de.rs: 30, one per cfg'd feature) are not what "errors and warnings" asks for."""
    return [d for d in items if SEVERITY_RANK[d.severity] <= SEVERITY_RANK[severity]]


def report(
    scope: str,
    items: list[AnalyzerDiagnostic],
    paging: Paging,
    files_checked: int,
    check: CheckRun,
    *notes: str | None,
) -> DiagnosticReport:
    """The answer of either diagnostics tool: one page of `items` (ranked), their counts, the check's
    outcome, and the notes (the check still running, the page, then `notes`)."""
    page = paging.take(items)
    return DiagnosticReport(
        scope=scope,
        diagnostics=page.items,
        counts=count(items),
        files_checked=files_checked,
        check_ran=check.finished,
        check_command=ANALYZER_CHECK if check.finished or check.running else None,
        check_running=check.running,
        check_error=check.why,
        note=join_notes(
            still_running(check, sum(1 for d in items if d.confirmed)),
            page.note("diagnostics (errors first)"),
            *notes,
        ),
    )


@dataclass(frozen=True)
class WorkspaceFindings:
    """One workspace pass (every file's own findings and one cargo check, merged and ranked), kept
    for all its pages while no file changes and rust-analyzer is the same one: page 2 comes from the
    pass that made page 1, with the same total and order, instead of a second pass. A partial pass
    (files not analysed by the deadline, or the check not finished) is kept too, but only so that
    the next call pulls just the files still missing and joins the running check."""

    items: list[AnalyzerDiagnostic]  # every finding of every severity, ranked (confirmed errors first)
    files_checked: int
    check: CheckRun
    note: str | None  # check skipped, files not analysed, findings withheld
    complete: bool  # every file analysed, and the check finished for these files unless skipped
    native: dict[str, list[lsp.Diagnostic]]  # rust-analyzer's own findings of the files analysed
    analysed: frozenset[Path]


async def workspace_findings(
    call: AnalyzerCall,
    workspace: Workspace,
    checking: Checking,
    started: float,
) -> WorkspaceFindings:
    """The workspace pass for the files as they are: the one kept for them (per workspace, rust-analyzer
    and `include_check`; a new rust-analyzer is a new Workspace with nothing kept), or a new one,
    which goes on from a partial one."""
    include_check, wait = checking.include_check, checking.wait
    service, key = call.service, ("workspace_diagnostics", include_check)
    kept = workspace.remembered(key)
    if isinstance(kept, WorkspaceFindings) and kept.complete:
        return kept
    before = kept if isinstance(kept, WorkspaceFindings) else None
    made_at = workspace.generation
    # a walk of the whole tree: on the loop it stalled every session while the project's folders lasted
    stamps = await off_loop(scan_sources, workspace.root, what=f"listing the .rs files of {workspace.root}")
    files, large = split_large([p for p in stamps if p.suffix == ".rs" and service.shown(p.as_uri())], stamps)
    missed: list[Path] = []
    until = pulls_until(service, started, wait)
    todo = [p for p in files if before is None or p not in before.analysed]
    native = {**(before.native if before else {}), **await pull(workspace, todo, missed, until)}
    check = CheckRun(False)
    if include_check:
        bound = check_bound(service, started, checking.check_timeout_secs, wait)
        check = await check_current_state(workspace, None, bound, call.report)
    checked = (
        {uri: list(items) for uri, items in workspace.client.state.pushed.items()} if include_check else {}
    )
    (shown, checked), left_out = shown_only(service, native, checked)
    unlinked = set(unlinked_files(native))  # files of no crate: analysed by nobody, not counted
    no_crate = sorted(path for path in files if path.as_uri() in unlinked)

    def display(path: Path) -> str:
        return service.display(path, workspace.root)

    found = WorkspaceFindings(
        items=merge(service, workspace.root, shown, checked),
        files_checked=0
        if workspace.client.state.health == "error"
        else len(files) - len(missed) - len(no_crate),
        check=check,
        note=join_notes(
            None if include_check else SKIPPED,
            not_analysed(missed),
            large_note(large, display),
            no_crate_note(no_crate, display),
            withheld_note(left_out),
        ),
        complete=not missed and (check.finished or not include_check),
        native=native,
        analysed=frozenset(files) - frozenset(missed),
    )
    workspace.remember(key, found, made_at)
    return found


@analyzer_tool(Capability.RUN, "Workspace diagnostics", render.diagnostics)
async def rust_analyzer_workspace_diagnostics(
    here: InWorkspace, workspace: WorkspaceArg = None, *, checking: Checking, paging: Paging
) -> DiagnosticReport:
    """Errors and warnings in every file of the workspace plus one cargo check; errors first. The
    pages of one answer come from one pass while no file changes."""
    call, analysed = here.call, here.workspace
    found = await workspace_findings(call, analysed, checking, here.started)
    kept = at_least(found.items, checking.min_severity)
    alone = await loaded_alone(call.service, analysed.root, kept, found.check)
    files = [analysed.root / path for path in dict.fromkeys(d.path for d in kept)]
    gated = await off_loop_note(gated_files_note, files, analysed.root)
    return report(
        f"workspace {analysed.root}", kept, paging, found.files_checked, found.check, found.note, alone, gated
    )
