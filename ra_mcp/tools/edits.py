"""Tools that change code: format, rename, structural search and replace, code actions. Each
previews a unified diff and writes only when asked (`apply`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from rust_mcp.core import budgets
from rust_mcp.core.errors import Refusal
from rust_mcp.core.full_text import save_full_text
from rust_mcp.core.paging import json_size, take_page
from rust_mcp.core.project_files import off_loop
from rust_mcp.mcp.capabilities import Capability

from .. import render
from ..analyzer import AnalyzerService, Target
from ..lsp_errors import AnalyzerRequestFailed
from ..lsp_types import lsp
from ..models import CodeActionItem, CodeActionList, EditResult, FileDiff
from ..positions import to_lsp
from ..shown_paths import join_notes
from ..ssr_contexts import crate_roots
from ..workspace_edits import EditPlan, apply_plan, plan_workspace_edit, text_edits_plan, unified_diff
from ..workspaces import Workspace
from .declaration import AnalyzerCall, ConfirmCallback, analyzer_tool
from .diagnostics import pull
from .parameters import ApplyArg, CodeActionChoice, FileArg, FileRange, OffsetArg, Position, WorkspaceArg

IDENTIFIER = re.compile(r"(?:r#)?[A-Za-z_][A-Za-z0-9_]*|'[A-Za-z_][A-Za-z0-9_]*")
MAX_RULE = 2000


def first_hunks(diff: str, budget: int) -> tuple[str, int]:
    """`diff` cut after the hunks that fit `budget` (at least the headers and part of the first
    hunk), and how many of its lines were left out."""
    if len(diff) <= budget:
        return diff, 0
    lines = diff.splitlines(keepends=True)
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        if used + len(line) > budget and (line.startswith("@@") or used >= budget):
            return "".join(kept), len(lines) - index
        kept.append(line)
        used += len(line)
    return "".join(kept), 0


def file_diff(label: str, action: str, diff: str) -> FileDiff:
    body = [line for line in diff.splitlines() if not line.startswith(("+++", "---"))]
    shown, omitted = first_hunks(diff, budgets.DIFF_FILE_BUDGET)
    return FileDiff(
        path=label,
        action=action,
        added=sum(line.startswith("+") for line in body),
        removed=sum(line.startswith("-") for line in body),
        diff=shown,
        omitted_lines=omitted,
    )


async def finish(
    service: AnalyzerService,
    workspace: Workspace,
    title: str,
    plan: EditPlan,
    apply: bool,
    confirm: ConfirmCallback,
    offset: int = 0,
) -> EditResult:
    """Preview the plan, or (with apply, and the user's consent where the client can ask) write it.
    The answer lists a page of the changed files (by path, from `offset`), each with its counts and
    first hunks; the totals cover them all."""
    changed = plan.changed
    diffs: dict[str, str] = {}
    files = []
    for item in changed:
        label = service.display(item.path, workspace.root)
        action = "create" if item.before is None else "delete" if item.after is None else "edit"
        diffs[label] = unified_diff(item, label)
        files.append(file_diff(label, action, diffs[label]))
    if not changed:
        return EditResult(title=title, applied=False, files=[], note="nothing to change")
    files.sort(key=lambda item: item.path)
    page = take_page(files, offset, len(files), json_size)
    cut = sum(item.omitted_lines > 0 for item in page.items)
    full_diff = None
    text_cut = sum(len(item.diff) for item in page.items) > budgets.DIFF_BUDGET  # render.edit cuts it
    if cut or text_cut or len(page.items) < len(files):
        whole = "".join(diffs[item.path] for item in files)
        full_diff = save_full_text(service.log_dir, "diff", whole)
    cut_note = f"{cut} file diff(s) show their first hunks only" if cut else None
    full_note = f"the whole diff ({len(files)} files): {full_diff}" if full_diff else None

    def result(applied: bool, note: str) -> EditResult:
        return EditResult(
            title=title,
            applied=applied,
            files=page.items,
            total_files=len(files),
            added=sum(item.added for item in files),
            removed=sum(item.removed for item in files),
            full_diff=full_diff,
            note=join_notes(note, page.note("files"), cut_note, full_note),
        )

    if not apply:
        return result(False, "preview only: call again with apply=true to write these changes")
    if not await confirm(f"{title}: write {len(files)} file(s) ({', '.join(f.path for f in files)})?"):
        return result(False, "not written: the user declined")
    written = apply_plan(plan)
    for path in written:
        service.sources.forget(path)
    workspace.push_written(written)
    return result(True, f"wrote {len(written)} file(s)")


@analyzer_tool(Capability.DESTRUCTIVE, "Format file", render.edit, idempotent=True)
async def rust_analyzer_format(call: AnalyzerCall, file_path: FileArg, apply: ApplyArg = False) -> EditResult:
    """Format a file with rustfmt: a diff, written with apply=true."""
    service, confirm = call.service, call.confirm

    async def operation(workspace: Workspace, path: Path) -> EditResult:
        edits = await workspace.client.request(
            lsp.TEXT_DOCUMENT_FORMATTING,
            lsp.DocumentFormattingParams(
                text_document=lsp.TextDocumentIdentifier(uri=path.as_uri()),
                options=lsp.FormattingOptions(tab_size=4, insert_spaces=True),
            ),
            timeout=60,
        )
        plan = text_edits_plan(path, list(edits or []), service.roots)
        return await finish(
            service, workspace, f"format {service.display(path, workspace.root)}", plan, apply, confirm
        )

    return await call.in_file(file_path, operation)


@analyzer_tool(Capability.DESTRUCTIVE, "Rename symbol", render.edit)
async def rust_analyzer_rename(
    call: AnalyzerCall,
    new_name: str,
    at: Position,
    apply: ApplyArg = False,
    offset: OffsetArg = 0,
) -> EditResult:
    """Rename a symbol everywhere (semantic): a diff, written with apply=true."""
    service, confirm = call.service, call.confirm
    if not IDENTIFIER.fullmatch(new_name):
        raise Refusal(
            f"new_name {new_name!r} is not a Rust identifier (letters, digits, '_'; r#name or 'lifetime)"
        )

    async def operation(workspace: Workspace, target: Target) -> EditResult:
        try:
            prepared = await workspace.client.request(
                lsp.TEXT_DOCUMENT_PREPARE_RENAME,
                lsp.PrepareRenameParams(text_document=target.document, position=target.position),
            )
        except AnalyzerRequestFailed as exc:
            if exc.panicked:
                raise  # restarted and retried like a crash
            raise Refusal(f"cannot rename at {target.label}: {exc}") from exc
        if prepared is None:
            raise Refusal(f"nothing renameable at {target.label}; point at the symbol's name")
        edit = await workspace.client.request(
            lsp.TEXT_DOCUMENT_RENAME,
            lsp.RenameParams(text_document=target.document, position=target.position, new_name=new_name),
            timeout=60,
        )
        plan = plan_workspace_edit(edit or lsp.WorkspaceEdit(), service.roots)
        return await finish(
            service, workspace, f"rename {target.label} to {new_name}", plan, apply, confirm, offset
        )

    return await call.at_position(at, operation)


def _check_rule(rule: str) -> None:
    if not rule.strip():
        raise Refusal("the SSR rule is empty; write `search ==>> replacement`, e.g. `foo($a) ==>> bar($a)`")
    if len(rule) > MAX_RULE or "\x00" in rule:
        raise Refusal(f"the SSR rule is longer than {MAX_RULE} characters or contains a NUL byte")
    search, arrow, replacement = rule.partition("==>>")
    if not arrow or not search.strip() or not replacement.strip():
        raise Refusal(
            f"SSR rule {rule!r} needs the form `search ==>> replacement`, e.g. `$a.unwrap() ==>> $a?`"
        )


@analyzer_tool(Capability.DESTRUCTIVE, "Structural search and replace", render.edit)
async def rust_analyzer_ssr(
    call: AnalyzerCall,
    rule: Annotated[
        str,
        Field(
            description="`search ==>> replacement` with $placeholders, e.g. "
            '`$a.unwrap() ==>> $a.expect("x")`.'
        ),
    ],
    file_path: Annotated[str | None, Field(description="Only this file.")] = None,
    workspace: WorkspaceArg = None,
    apply: ApplyArg = False,
    offset: OffsetArg = 0,
) -> EditResult:
    """Structural search and replace across the workspace (not inside macro calls): a diff, written with
    apply=true."""
    service, confirm = call.service, call.confirm
    _check_rule(rule)
    path = service.rust_file(file_path, service.file_base(workspace, call.default)) if file_path else None
    root = service.pool.root_for(path) if path else await call.workspace_root(workspace)

    async def operation(workspace: Workspace) -> EditResult:
        selections: list[dict[str, Any]] = []
        if path is not None:
            lines = service.sources.get(path).lines
            selections = [
                {
                    "start": {"line": 0, "character": 0},
                    "end": {"line": len(lines) - 1, "character": len(lines[-1])},
                }
            ]
        # the rule's paths are resolved in the context file's crate: the file itself, or for the whole
        # workspace the first crate root (never a build script) in which they resolve
        contexts = (
            [path]
            if path is not None
            else await off_loop(
                crate_roots, workspace.root, rule, what="finding the crates the rule resolves in"
            )
        )
        raw: Any = None
        for number, context in enumerate(contexts, start=1):
            try:
                raw = await workspace.client.request(
                    "experimental/ssr",
                    {
                        "query": rule,
                        "parseOnly": False,
                        "textDocument": {"uri": context.as_uri()},
                        "position": {"line": 0, "character": 0},
                        "selections": selections,
                    },
                    timeout=120,
                )
                break
            except AnalyzerRequestFailed as exc:
                if exc.panicked:
                    raise  # restarted and retried like a crash
                if "Failed to resolve path" in str(exc) and number < len(contexts):
                    continue
                raise Refusal(f"rust-analyzer rejected the SSR rule {rule!r}: {exc}") from exc
        edit = workspace.client.structure(raw, lsp.WorkspaceEdit)
        plan = plan_workspace_edit(edit, service.roots)
        scope = service.display(path, workspace.root) if path else f"workspace {workspace.root}"
        return await finish(service, workspace, f"ssr {rule!r} in {scope}", plan, apply, confirm, offset)

    return await call.run(root, operation)


async def _actions(
    service: AnalyzerService,
    workspace: Workspace,
    target: Target,
    end_line: int | None,
    end_column: int | None,
) -> tuple[lsp.Range, list[lsp.CodeAction]]:
    source = service.sources.get(target.path)
    end = to_lsp(source, end_line, end_column or 1) if end_line is not None else target.position
    span = lsp.Range(start=target.position, end=end)
    diagnostics = (await pull(workspace, [target.path])).get(target.path.as_uri(), [])
    diagnostics += workspace.client.state.pushed.get(target.path.as_uri(), [])
    overlapping = [
        d for d in diagnostics if d.range.start.line <= end.line and d.range.end.line >= span.start.line
    ]
    result = await workspace.client.request(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionParams(
            text_document=target.document,
            range=span,
            context=lsp.CodeActionContext(
                diagnostics=overlapping, trigger_kind=lsp.CodeActionTriggerKind.Invoked
            ),
        ),
    )
    actions = [a for a in result or [] if isinstance(a, lsp.CodeAction)]
    return span, actions


@analyzer_tool(Capability.RUN, "Code actions", render.code_actions)
async def rust_analyzer_code_actions(call: AnalyzerCall, at: FileRange) -> CodeActionList:
    """Numbered quick fixes and refactors at a position or range; apply one with
    rust_analyzer_apply_code_action."""
    service = call.service

    async def operation(workspace: Workspace, target: Target) -> CodeActionList:
        _, actions = await _actions(service, workspace, target, at.end_line, at.end_column)
        items = [
            CodeActionItem(index=i, title=a.title, kind=a.kind, preferred=bool(a.is_preferred))
            for i, a in enumerate(actions)
        ]
        note = (
            (
                "apply one with rust_analyzer_apply_code_action, passing the same position, its index "
                "and its title"
            )
            if items
            else f"no code actions at {target.label}"
        )
        return CodeActionList(query=f"code actions at {target.label}", actions=items, note=note)

    return await call.at_position(at, operation)


@analyzer_tool(Capability.DESTRUCTIVE, "Apply code action", render.edit)
async def rust_analyzer_apply_code_action(
    call: AnalyzerCall, at: CodeActionChoice, apply: ApplyArg = False
) -> EditResult:
    """Resolve one of rust_analyzer_code_actions' actions: a diff, written with apply=true."""
    service, confirm, index, title = call.service, call.confirm, at.index, at.title

    async def operation(workspace: Workspace, target: Target) -> EditResult:
        _, actions = await _actions(service, workspace, target, at.end_line, at.end_column)
        listing = "; ".join(f"{i}: {a.title}" for i, a in enumerate(actions)) or "none"
        if not 0 <= index < len(actions):
            raise Refusal(
                f"code action index {index} is out of range at {target.label}; available now: {listing}"
            )
        action = actions[index]
        if title is not None and action.title != title:
            raise Refusal(
                f"code action {index} at {target.label} is now {action.title!r}, not {title!r}: the code "
                "changed "
                f"since the list was made. Available now: {listing}"
            )
        if action.edit is None and action.data is not None:
            action = await workspace.client.request(lsp.CODE_ACTION_RESOLVE, action)
        if action.edit is None:
            raise Refusal(f"code action {action.title!r} has no edit to apply (it runs an editor command)")
        plan = plan_workspace_edit(action.edit, service.roots)
        return await finish(service, workspace, action.title, plan, apply, confirm)

    return await call.at_position(at, operation)
