"""The unsafe audit: every `unsafe` block, fn, impl, trait and extern block in a workspace (or one
package), where it is, what it sits in, whether a SAFETY comment or a `# Safety` section documents it,
which unsafe operations it contains (rust-analyzer's semantic tokens mark them), and what clippy's
unsafe lints say about it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import anyio
from pydantic import Field

from rust_mcp.core import budgets
from rust_mcp.core.cargo_projects import package_directories
from rust_mcp.core.client_policy import ClientPolicy, PolicyOfCall
from rust_mcp.core.errors import Refusal
from rust_mcp.core.project_files import off_loop
from rust_mcp.core.shared_runs import StillRunning
from rust_mcp.mcp.capabilities import Capability

from .. import call_deadline
from ..call_deadline import StillWorking
from ..lsp import requests
from ..places.shown_paths import join_notes
from ..service import AnalyzerService
from ..workspace.workspaces import Workspace, scan_sources
from . import render
from .audit_models import AuditFinding, UnsafeAudit, UnsafeSite, UnsafeTotals
from .clippy import CLIPPY_TIMEOUT_SECONDS, NOT_A_LINT, run_clippy
from .declaration import InWorkspace, analyzer_tool
from .parameters import Paging, WorkspaceArg
from .unanalysed_sites import Unanalysed, count_unanalysed, suspect
from .unsafe_sites import Site, Source, decode, innermost_each, sites_in

AUDIT_LINTS = (
    "clippy::undocumented_unsafe_blocks",
    "clippy::multiple_unsafe_ops_per_block",
    "clippy::missing_safety_doc",
    "unsafe_op_in_unsafe_fn",
)
AUDIT_CLIPPY = "Also run clippy's unsafe lints on the sites."


async def _clippy(
    service: AnalyzerService, directory: Path, policy: ClientPolicy | None
) -> tuple[dict[Path, list[AuditFinding]], str | None]:
    """Every finding of clippy's unsafe lints (none cut to a budget), by file, and why they are
    partial (crates that failed to build or were not checked), None when complete. clippy builds in
    the workspace's build directories, where rust-analyzer's check already built the dependencies."""
    if service.cargo is None:
        raise Refusal("clippy cannot run: this server has no sandboxed cargo")
    # at the answer deadline clippy is left running, as cargo's shared runs are: a cut would stop it
    left = call_deadline.seconds_left()
    result = await run_clippy(directory, service.cargo, AUDIT_LINTS, policy, answer_by=left)
    if isinstance(result, StillRunning):
        raise StillWorking(clippy_still_running(result))
    findings: dict[Path, list[AuditFinding]] = {}
    for diagnostic in result.diagnostics:
        if diagnostic.absolute_path and diagnostic.line:
            findings.setdefault(Path(diagnostic.absolute_path), []).append(
                AuditFinding(
                    code=diagnostic.code,
                    level=diagnostic.level,
                    message=diagnostic.message,
                    line=diagnostic.line,
                    column=diagnostic.column or 1,
                )
            )
    return findings, result.partial


def clippy_still_running(running: StillRunning) -> str:
    """The answer of an audit whose clippy run goes on past the call's answer deadline."""
    deadline = call_deadline.CURRENT.get()
    at = f", at the answer deadline ({deadline.seconds:g} s)" if deadline is not None else ""
    progress = f" (last progress: {running.progress})" if running.progress else ""
    return (
        f"still working: clippy's unsafe lints still running after {running.seconds:.0f} s{at}{progress}; "
        f"it goes on in the background (stopped at its timeout, {CLIPPY_TIMEOUT_SECONDS:.0f} s). Nothing "
        "is answered yet: call rust_analyzer_unsafe_audit again with the same arguments for the audit (the "
        "call joins the run, or takes its result once it has finished)"
    )


def _compile_error(code: str) -> bool:
    """Whether a finding's code (or level, when it has none) is a compiler error, not a lint."""
    return code == "error" or NOT_A_LINT.fullmatch(code) is not None


def _totals(path: str, sites: list[UnsafeSite]) -> UnsafeTotals:
    kinds = [site.kind for site in sites]
    return UnsafeTotals(
        path=path,
        blocks=kinds.count("block"),
        functions=kinds.count("fn"),
        impls=kinds.count("impl"),
        traits=kinds.count("trait"),
        externs=kinds.count("extern"),
        undocumented=sum(not site.documented for site in sites),
        operations=sum(len(site.operations) for site in sites),
        findings=sum(len(site.findings) for site in sites),
    )


def _ranked(sites: list[UnsafeSite]) -> list[UnsafeSite]:
    """What an auditor reads first: undocumented sites, then those clippy has findings on, then the
    rest, each by file and line; a site's own lists cut to SITE_OPERATIONS / SITE_FINDINGS, with a
    count of what was cut (the totals count everything)."""
    ranked = sorted(sites, key=lambda s: (s.documented, not s.findings, s.path, s.line, s.column))
    return [
        site.model_copy(
            update={
                "operations": site.operations[: budgets.SITE_OPERATIONS],
                "operations_left_out": max(0, len(site.operations) - budgets.SITE_OPERATIONS),
                "findings": site.findings[: budgets.SITE_FINDINGS],
                "findings_left_out": max(0, len(site.findings) - budgets.SITE_FINDINGS),
            }
        )
        for site in ranked
    ]


def _sites(text: str, tokens: list[int], legend: Any, symbols: list[Any]) -> tuple[Source, list[Site]]:
    source = Source(text)
    return source, sites_in(source, decode(tokens, legend), symbols)


def _unsafe_sources(service: AnalyzerService, directory: Path) -> tuple[dict[Path, str], int]:
    """The text of every .rs file under `directory` that mentions `unsafe`, read only where the read
    scope allows (never through a link); and how many could not be read."""
    texts: dict[Path, str] = {}
    unread = 0
    for path in scan_sources(directory):
        if path.suffix != ".rs":
            continue
        try:
            data = service.scope.read(path)
        except Refusal:
            unread += 1
            continue
        if b"unsafe" in data:
            texts[path] = data.decode("utf-8", errors="replace")
    return texts, unread


async def _audit(
    service: AnalyzerService,
    workspace: Workspace,
    scope_dir: Path,
    scope: str,
    include_clippy: bool,
    policy: PolicyOfCall,
) -> UnsafeAudit:
    """The whole audit of the .rs files under scope_dir, its sites ranked (_ranked), unpaged."""
    capabilities = workspace.client.capabilities
    provider = capabilities.semantic_tokens_provider if capabilities else None
    if provider is None:
        raise Refusal("this rust-analyzer does not offer semantic tokens, which the audit reads")
    # reading the tree and masking each text are the project's size: a worker thread's work, never
    # the event loop every session of an engine shares (4 MB of source took 8 s to mask)
    texts, unread = await anyio.to_thread.run_sync(_unsafe_sources, service, scope_dir)
    files = sorted(texts)
    findings, partial = await _clippy(service, scope_dir, policy()) if include_clippy else ({}, None)
    sites: list[UnsafeSite] = []
    totals: list[UnsafeTotals] = []
    outside: Counter[str] = Counter()
    unanalysed = Unanalysed()
    for path in files:
        tokens = await requests.semantic_tokens(workspace.client, path)
        symbols = await requests.document_symbols(workspace.client, path)
        source, found = await anyio.to_thread.run_sync(_sites, texts[path], tokens, provider.legend, symbols)
        if suspect(found):  # a block with no operation marked: in code rust-analyzer does not analyse?
            await count_unanalysed(workspace.client, path, found, unanalysed)
        in_file = findings.get(path, [])
        positions = [source.offset(finding.line - 1, finding.column - 1) for finding in in_file]
        for finding, owner in zip(in_file, innermost_each(found, positions), strict=True):
            if owner is not None:
                owner.findings.append(finding)
            else:
                outside[finding.code or finding.level] += 1
        label = service.display(path, workspace.root)
        models = [site.model(label) for site in found]
        sites += models
        if models:
            totals.append(_totals(label, models))
    note = unanalysed.note(lambda path: service.display(path, workspace.root))
    if unread:
        skipped = f"{unread} source file(s) not read (links, outside the roots or too large)"
        note = join_notes(note, skipped)
    for path, items in findings.items():
        if path not in texts:
            for finding in items:
                outside[finding.code or finding.level] += 1
    errors = Counter({code: n for code, n in outside.items() if _compile_error(code)})
    lints = outside - errors
    if lints:
        common = ", ".join(f"{code} {n}" for code, n in lints.most_common(5))
        attached = f"{lints.total()} other clippy finding(s) are not in unsafe code and are not attached"
        note = join_notes(note, f"{attached} ({common})")
    if errors:  # not lints: code clippy could not build (tokio's tests with its features off)
        common = ", ".join(f"{code} {n}" for code, n in errors.most_common(5))
        note = join_notes(note, f"{errors.total()} compile error(s) outside unsafe code ({common})")
    return UnsafeAudit(
        scope=scope,
        sites=_ranked(sites),
        files=totals,
        totals=_totals("all", sites),
        clippy_ran=include_clippy,
        clippy_partial=partial,
        note=note if sites else (note or "no unsafe code"),
    )


@analyzer_tool(Capability.RUN, "Unsafe code audit", render.unsafe_audit)
async def rust_analyzer_unsafe_audit(
    here: InWorkspace,
    workspace: WorkspaceArg = None,
    package: str | None = None,
    include_clippy: Annotated[bool, Field(description=AUDIT_CLIPPY)] = True,
    *,
    paging: Paging,
) -> UnsafeAudit:
    """Every unsafe block, fn, impl, trait and extern block: where, whether a SAFETY comment documents it,
    its unsafe operations, clippy's findings; totals per file. Undocumented sites first."""
    service, audited = here.service, here.workspace
    scope_dir = audited.root
    if package is not None:
        packages = await off_loop(package_directories, audited.root, what="listing the packages")
        if package not in packages:
            listed = ", ".join(sorted(packages)) or "none"
            raise Refusal(f"no package named {package!r} in {audited.root}; packages: {listed}")
        scope_dir = packages[package]
    scope = f"package {package}" if package else f"workspace {audited.root}"
    key = ("unsafe_audit", str(scope_dir), include_clippy)
    whole = audited.remembered(key)  # the pages of one audit share one run while nothing changed
    if not isinstance(whole, UnsafeAudit):
        whole = await _audit(service, audited, scope_dir, scope, include_clippy, here.call.client_policy)
        audited.remember(key, whole)
    page = paging.take(whole.sites)
    on_page = {site.path for site in page.items}
    return whole.model_copy(
        update={
            "sites": page.items,
            "files": [t for t in whole.files if t.path in on_page],
            "note": join_notes(page.note("unsafe sites (undocumented first)"), whole.note),
        }
    )
