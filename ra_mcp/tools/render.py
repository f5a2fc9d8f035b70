"""How rust-analyzer answers read as text for a model: `path:line:col  source line`, grouped and
capped (the sizes are in rust_mcp.core.budgets)."""

from __future__ import annotations

from collections.abc import Iterable

from rust_mcp.core import budgets
from rust_mcp.core.clipping import clip_middle
from rust_mcp.core.counts import plural

from ..models import (
    AnalyzerStatus,
    CallEntry,
    CallHierarchyResult,
    CodeActionList,
    CompletionList,
    DiagnosticReport,
    EditResult,
    LocationList,
    MacroExpansion,
    ReferenceResult,
    RunnableList,
    SourceLocation,
    SymbolNode,
    SymbolOutline,
    WorkspaceChoice,
)
from .audit_models import UnsafeAudit, UnsafeTotals


def _clip(text: str) -> str:
    return clip_middle(
        text, budgets.ANALYZER_TEXT_BUDGET, head_share=0.7, rest="the structured content has all of it"
    )[0]


def where(location: SourceLocation) -> str:
    return f"{location.path}:{location.line}:{location.column}"


def location_line(location: SourceLocation) -> str:
    label = ""
    if location.name:
        qualified = f"{location.container}::{location.name}" if location.container else location.name
        label = f"{location.kind or 'symbol'} {qualified}  "
    return f"{label}{where(location)}  {location.text}".rstrip()


def _with_note(lines: list[str], note: str | None) -> str:
    if note:
        lines.append(f"note: {note}")
    return _clip("\n".join(lines))


def locations(result: LocationList) -> str:
    lines = [f"{result.query}: {result.total} found"]
    for index, location in enumerate(result.locations):
        lines.append(location_line(location))
        if result.bodies and index < len(result.bodies):
            lines.append(result.bodies[index])
    return _with_note(lines, result.note)


def references(result: ReferenceResult) -> str:
    lines = [f"{result.query}: {result.total} in {result.files} file(s)"]
    for group in result.groups:
        lines.append(f"{group.path} ({group.count})")
        lines += [f"  {loc.line}:{loc.column}  {loc.text}" for loc in group.locations]
    return _with_note(lines, result.note)


def _outline(nodes: Iterable[SymbolNode], lines: list[str]) -> None:
    inside = None
    for node in nodes:
        detail = f"  {node.detail}" if node.detail else ""
        if node.parent and node.parent != inside:  # the page starts inside an item: say which, once
            lines.append(f"{'  ' * (node.depth - 1)}(in {node.parent})")
        inside = node.parent
        lines.append(
            f"{'  ' * node.depth}{node.kind} {node.name}  {node.line}:{node.column}-{node.end_line}{detail}"
        )
        if node.body:
            lines.append(node.body)
        _outline(node.children, lines)


def symbols(result: SymbolOutline) -> str:
    lines = [f"{result.path}: {result.total} symbols (kind name  line:column-end_line)"]
    _outline(result.symbols, lines)
    return _with_note(lines, result.note)


def completions(result: CompletionList) -> str:
    rows = [f"{i.label}  ({i.kind or '?'})" + (f"  {i.detail}" if i.detail else "") for i in result.items]
    return _with_note([f"{result.query}: {result.total}", *rows], result.note)


def diagnostics(result: DiagnosticReport) -> str:
    c = result.counts
    confirmed = c.errors + c.warnings + c.information + c.hints
    lines = []
    if result.check_error:
        lines.append(
            f"NOT CHECKED: cargo check did not run to the end, so compiler errors (borrow checking, "
            f"trait resolution) are missing below. Reason: {result.check_error}"
        )
    if result.check_ran:
        check = f"{result.check_command or 'cargo check'} ran"
    elif result.check_running:
        check = f"{result.check_command or 'cargo check'} still running: its findings so far"
    elif confirmed:
        check = "cargo check did not finish: its findings so far"
    elif result.check_error:
        check = "cargo check did not run to the end; rust-analyzer's own analysis only"
    else:
        check = "cargo check did not run; rust-analyzer's own analysis only"
    unconfirmed = f", {c.unconfirmed} unconfirmed (rust-analyzer only)" if c.unconfirmed else ""
    lines.append(
        f"{result.scope}: {c.errors} errors, {c.warnings} warnings, {c.information + c.hints} other"
        f"{unconfirmed} ({result.files_checked} file(s) analysed; {check})"
    )
    apart = False
    for item in result.diagnostics:
        if not item.confirmed and not apart:
            apart = True
            why = "not reported by cargo check" if result.check_ran else "no finished check to confirm them"
            lines.append(f"rust-analyzer only, unconfirmed ({why}; possibly its own mistake):")
        code = f"[{item.code}]" if item.code else ""
        lines.append(
            f"{item.severity}{code} {item.path}:{item.line}:{item.column} ({item.source}): {item.message}"
        )
        lines += [f"    {related}" for related in item.related]
    return _with_note(lines, result.note)


def edit(result: EditResult) -> str:
    state = "applied" if result.applied else "preview"
    total = result.total_files or len(result.files)
    lines = [f"{result.title} ({state}, {total} file(s), +{result.added} -{result.removed})"]
    budget = budgets.DIFF_BUDGET
    for item in result.files:
        lines.append(f"{item.action} {item.path}: +{item.added} -{item.removed}")
        if item.diff:
            diff = item.diff[: max(budget, budgets.DIFF_MIN_PER_FILE)]
            budget -= len(diff)
            cut = item.omitted_lines or len(diff) < len(item.diff)
            lines.append(diff.rstrip() + ("\n[... rest of this file's diff left out]" if cut else ""))
    return _with_note(lines, result.note)


def code_actions(result: CodeActionList) -> str:
    rows = [
        f"{a.index}: {a.title}" + (f" ({a.kind})" if a.kind else "") + (" [preferred]" if a.preferred else "")
        for a in result.actions
    ]
    return _with_note([f"{result.query}: {len(result.actions)}", *rows], result.note)


def _call(entry: CallEntry) -> str:
    sites = ", ".join(f"{s.line}:{s.column}" for s in entry.call_sites)
    if entry.call_sites_left_out:
        sites += f" and {entry.call_sites_left_out} more"
    return f"  {entry.kind} {entry.name}  {where(entry.location)}" + (
        f"  (calls at {sites})" if sites else ""
    )


def _call_list(title: str, entries: list[CallEntry], total: int) -> list[str]:
    if not total:
        return []
    listed = f", {len(entries)} listed here" if len(entries) < total else ""
    return [f"{title} ({total}{listed}):", *(_call(entry) for entry in entries)]


def calls(result: CallHierarchyResult) -> str:
    lines = [result.query + (f": {result.item.kind} {result.item.name}" if result.item else "")]
    lines += _call_list("called by", result.incoming, max(result.incoming_total, len(result.incoming)))
    lines += _call_list("calls", result.outgoing, max(result.outgoing_total, len(result.outgoing)))
    return _with_note(lines, result.note)


def expansion(result: MacroExpansion) -> str:
    if result.expansion is None:
        return _with_note([result.query], result.note)
    return _with_note([f"{result.query}: expansion of {result.name}", result.expansion], result.note)


def runnables(result: RunnableList) -> str:
    rows = [
        f"{r.label}{'  ' + where(r.location) if r.location else ''}\n  $ {r.command}"
        for r in result.runnables
    ]
    return _with_note([f"{result.query}: {max(result.total, len(result.runnables))}", *rows], result.note)


def status(result: AnalyzerStatus) -> str:
    lines = [
        f"{result.version} at {result.rust_analyzer}; {len(result.workspaces)} workspace(s) loaded; "
        f"{result.crashes} crash(es) recovered"
    ]
    if result.default_workspace:
        lines.append(f"default workspace: {result.default_workspace}")
    for ws in result.workspaces:
        memory = f", {ws.rss_mb:.0f} MB" if ws.rss_mb is not None else ""
        state = "ready" if ws.quiescent and ws.alive else ws.activity
        if ws.ready and not ws.quiescent:
            state = f"ready, still {ws.activity}"
        if not ws.alive:
            state = "stopped (the next call starts a new rust-analyzer)"
        health = f"panicked on {ws.last_panic}" if ws.last_panic else ws.health
        where = f"{ws.root} [toolchain {ws.toolchain}]" if ws.toolchain else ws.root
        lines.append(
            f"{where}: {state} (health {health}, pid {ws.pid}{memory}, up {ws.uptime_seconds:.0f} s, "
            f"{ws.restarts} restart(s)"
            + (f", the last because it {ws.restart_reason}" if ws.restart_reason else "")
            + ")"
        )
        if ws.proc_macro_note:
            lines.append(f"  {ws.proc_macro_note}")
        if ws.ignored_proc_macros:
            lines.append(
                f"  proc macros ignored (did not return in time): {', '.join(ws.ignored_proc_macros)}"
            )
    if result.std_sources_warning:
        lines.append(f"warning: {result.std_sources_warning}")
    return "\n".join(lines)


def workspace_choice(result: WorkspaceChoice) -> str:
    return f"workspace: {result.workspace}\n{result.note}"


def _count_line(totals: UnsafeTotals) -> str:
    kinds = [
        (totals.blocks, "block"),
        (totals.functions, "fn"),
        (totals.impls, "impl"),
        (totals.traits, "trait"),
        (totals.externs, "extern"),
    ]
    parts = ", ".join(plural(n, name) for n, name in kinds if n)
    return (
        f"{parts or 'no unsafe code'}; {totals.undocumented} undocumented; {totals.operations} unsafe "
        f"operations; {totals.findings} clippy findings"
    )


def unsafe_audit(result: UnsafeAudit) -> str:
    partial = f" (PARTIAL: {result.clippy_partial})" if result.clippy_partial else ""
    lines = [f"unsafe audit of {result.scope}: {_count_line(result.totals)}{partial}"]
    current = None
    for site in result.sites:
        if site.path != current:
            current = site.path
            totals = next((t for t in result.files if t.path == site.path), None)
            lines.append(f"\n{site.path}" + (f" ({_count_line(totals)})" if totals else ""))
        name = f" {site.item.removeprefix(site.kind + ' ')}" if site.item else ""
        where = f" in {site.enclosing}" if site.enclosing else ""
        documented = (
            f"documented: {site.safety_comment}"
            if site.safety_comment
            else "documented (# Safety)"
            if site.documented
            else "UNDOCUMENTED"
        )
        nested = ", nested" if site.nested else ""
        lines.append(
            f"  {site.kind}{name} {site.line}:{site.column}-{site.end_line}{where}{nested}: {documented}"
        )
        for op in site.operations:
            lines.append(f"    op {op.line}:{op.column} {op.kind} `{op.text}`")
        if site.operations_left_out:
            lines.append(f"    ... {site.operations_left_out} more unsafe operations")
        for finding in site.findings:
            lines.append(
                f"    {finding.level}[{finding.code}] {finding.line}:{finding.column} {finding.message}"
            )
        if site.findings_left_out:
            lines.append(f"    ... {site.findings_left_out} more clippy findings")
    return _with_note(lines, result.note)
