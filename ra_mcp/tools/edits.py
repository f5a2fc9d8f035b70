"""Tools that change code: format, rename, structural search and replace, code actions. Each
previews a unified diff and writes only when asked (`apply`)."""

from __future__ import annotations

import re
from typing import Annotated

import anyio
from pydantic import Field

from rust_mcp.core import budgets
from rust_mcp.core.errors import Refusal
from rust_mcp.core.full_text import save_full_text
from rust_mcp.core.paging import json_size, take_page
from rust_mcp.core.project_files import off_loop
from rust_mcp.mcp.capabilities import Capability

from ..lsp import change_requests as changes
from ..lsp.errors import AnalyzerRequestFailed
from ..lsp.lazy_types import lsp
from ..models import CodeActionItem, CodeActionList, EditResult
from ..places.positions import to_lsp
from ..places.shown_paths import join_notes
from ..places.ssr_contexts import crate_roots
from ..places.workspace_edits import EditPlan, apply_plan, plan_workspace_edit, text_edits_plan
from ..service import AnalyzerService
from ..workspace.workspaces import Workspace
from . import render
from .declaration import AtPosition, ConfirmCallback, InFile, InFileOrWorkspace, analyzer_tool
from .diagnostics import pull
from .edit_diffs import file_diffs
from .parameters import ApplyArg, CodeActionChoice, FileArg, FileRange, OffsetArg, Position, WorkspaceArg
from .unrenamed import left_note, left_places, name_at

IDENTIFIER = re.compile(r"(?:r#)?[A-Za-z_][A-Za-z0-9_]*|'[A-Za-z_][A-Za-z0-9_]*")
MAX_RULE = 2000


async def finish(
    service: AnalyzerService,
    workspace: Workspace,
    title: str,
    plan: EditPlan,
    apply: bool,
    confirm: ConfirmCallback,
    offset: int = 0,
    left: str | None = None,
) -> EditResult:
    """Preview the plan, or (with apply, and the user's consent where the client can ask) write it.
    The answer lists a page of the changed files (by path, from `offset`), each with its counts and
    first hunks; the totals cover them all."""
    changed = plan.changed
    # off the loop: difflib over the files of a rename across a large workspace takes seconds
    # (8 files of 3 MiB: 0.44 s), every session of the engine waiting
    diffs, files = await anyio.to_thread.run_sync(
        file_diffs, service, workspace.root, changed, abandon_on_cancel=True
    )
    if not changed:
        return EditResult(title=title, applied=False, files=[], note="nothing to change")
    files.sort(key=lambda item: item.path)
    page = take_page(files, offset, len(files), json_size)
    cut = sum(item.omitted_lines > 0 for item in page.items)
    full_diff = None
    text_cut = sum(len(item.diff) for item in page.items) > budgets.DIFF_BUDGET  # render.edit cuts it
    if cut or text_cut or len(page.items) < len(files):
        whole = "".join(diffs[item.path] for item in files)
        full_diff = await anyio.to_thread.run_sync(save_full_text, service.log_dir, "diff", whole)
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
            note=join_notes(note, page.note("files"), cut_note, full_note, left),
        )

    if not apply:
        return result(False, "preview only: call again with apply=true to write these changes")
    if not await confirm(f"{title}: write {len(files)} file(s) ({', '.join(f.path for f in files)})?"):
        return result(False, "not written: the user declined")
    # off the loop (it reads, writes and fsyncs every file: seconds for a rename across a large
    # workspace), waited for to its end: a write is never left half told
    written = await anyio.to_thread.run_sync(apply_plan, plan)
    for path in written:
        service.sources.forget(path)
    await workspace.push_written(written)
    return result(True, f"wrote {len(written)} file(s)")


@analyzer_tool(Capability.DESTRUCTIVE, "Format file", render.edit, idempotent=True)
async def rust_analyzer_format(
    here: InFile, file_path: FileArg, apply: ApplyArg = False, workspace: WorkspaceArg = None
) -> EditResult:
    """Format a file with rustfmt: a diff, written with apply=true."""
    service, path = here.service, here.path
    plan = text_edits_plan(path, await changes.formatting(here.client, path), service.roots)
    title = f"format {service.display(path, here.root)}"
    return await finish(service, here.workspace, title, plan, apply, here.call.confirm)


def _check_name(new_name: str, **_: object) -> None:
    if not IDENTIFIER.fullmatch(new_name):
        raise Refusal(
            f"new_name {new_name!r} is not a Rust identifier (letters, digits, '_'; r#name or 'lifetime)"
        )


@analyzer_tool(Capability.DESTRUCTIVE, "Rename symbol", render.edit, check=_check_name)
async def rust_analyzer_rename(
    here: AtPosition,
    new_name: str,
    at: Position,
    apply: ApplyArg = False,
    offset: OffsetArg = 0,
) -> EditResult:
    """Rename a symbol everywhere (semantic): a diff, written with apply=true."""
    service, target = here.service, here.target
    try:
        renameable = await changes.can_rename(here.client, target.path, target.position)
    except AnalyzerRequestFailed as exc:
        if exc.panicked:
            raise  # restarted and retried like a crash
        raise Refusal(f"cannot rename at {target.label}: {exc}") from exc
    if not renameable:
        raise Refusal(f"nothing renameable at {target.label}; point at the symbol's name")
    edit = await changes.rename(here.client, target.path, target.position, new_name)
    plan = plan_workspace_edit(edit, service.roots)
    title = f"rename {target.label} to {new_name}"
    old = name_at(
        service.sources.get(target.path).line_text(target.position.line + 1), target.position.character
    )
    left = None
    if old is not None and old != new_name:
        where = here.workspace.root
        found = await off_loop(left_places, service, where, old, plan, what="the search for the old name")
        left = left_note(old, found)
    return await finish(service, here.workspace, title, plan, apply, here.call.confirm, offset, left)


def _check_rule(rule: str, **_: object) -> None:
    if not rule.strip():
        raise Refusal("the SSR rule is empty; write `search ==>> replacement`, e.g. `foo($a) ==>> bar($a)`")
    if len(rule) > MAX_RULE or "\x00" in rule:
        raise Refusal(f"the SSR rule is longer than {MAX_RULE} characters or contains a NUL byte")
    search, arrow, replacement = rule.partition("==>>")
    if not arrow or not search.strip() or not replacement.strip():
        raise Refusal(
            f"SSR rule {rule!r} needs the form `search ==>> replacement`, e.g. `$a.unwrap() ==>> $a?`"
        )


@analyzer_tool(Capability.DESTRUCTIVE, "Structural search and replace", render.edit, check=_check_rule)
async def rust_analyzer_ssr(
    here: InFileOrWorkspace,
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
    service, confirm, path = here.service, here.call.confirm, here.path
    selections: list[lsp.Range] = []
    if path is not None:
        lines = service.sources.get(path).lines
        end = lsp.Position(line=len(lines) - 1, character=len(lines[-1]))
        selections = [lsp.Range(start=lsp.Position(line=0, character=0), end=end)]
    # the rule's paths are resolved in the context file's crate: the file itself, or for the whole
    # workspace the first crate root (never a build script) in which they resolve
    contexts = (
        [path]
        if path is not None
        else await off_loop(crate_roots, here.root, rule, what="finding the crates the rule resolves in")
    )
    edit = lsp.WorkspaceEdit()
    for number, context in enumerate(contexts, start=1):
        try:
            edit = await changes.structural_replace(here.client, rule, context, selections)
            break
        except AnalyzerRequestFailed as exc:
            if exc.panicked:
                raise  # restarted and retried like a crash
            if "Failed to resolve path" in str(exc) and number < len(contexts):
                continue
            raise Refusal(f"rust-analyzer rejected the SSR rule {rule!r}: {exc}") from exc
    plan = plan_workspace_edit(edit, service.roots)
    scope = service.display(path, here.root) if path else f"workspace {here.root}"
    return await finish(service, here.workspace, f"ssr {rule!r} in {scope}", plan, apply, confirm, offset)


async def _actions(here: AtPosition, end_line: int | None, end_column: int | None) -> list[lsp.CodeAction]:
    target, workspace = here.target, here.workspace
    source = here.service.sources.get(target.path)
    end = to_lsp(source, end_line, end_column or 1) if end_line is not None else target.position
    span = lsp.Range(start=target.position, end=end)
    diagnostics = (await pull(workspace, [target.path])).get(target.path.as_uri(), [])
    diagnostics += workspace.client.state.pushed.get(target.path.as_uri(), [])
    overlapping = [
        d for d in diagnostics if d.range.start.line <= end.line and d.range.end.line >= span.start.line
    ]
    return await changes.code_actions(here.client, target.path, span, overlapping)


@analyzer_tool(Capability.RUN, "Code actions", render.code_actions)
async def rust_analyzer_code_actions(here: AtPosition, at: FileRange) -> CodeActionList:
    """Numbered quick fixes and refactors at a position or range; apply one with
    rust_analyzer_apply_code_action."""
    label = here.target.label
    actions = await _actions(here, at.end_line, at.end_column)
    items = [
        CodeActionItem(index=i, title=a.title, kind=a.kind, preferred=bool(a.is_preferred))
        for i, a in enumerate(actions)
    ]
    note = (
        "apply one with rust_analyzer_apply_code_action, passing the same position, its index and its title"
        if items
        else f"no code actions at {label}"
    )
    return CodeActionList(query=f"code actions at {label}", actions=items, note=note)


@analyzer_tool(Capability.DESTRUCTIVE, "Apply code action", render.edit)
async def rust_analyzer_apply_code_action(
    here: AtPosition, at: CodeActionChoice, apply: ApplyArg = False
) -> EditResult:
    """Resolve one of rust_analyzer_code_actions' actions: a diff, written with apply=true."""
    index, title, label = at.index, at.title, here.target.label
    actions = await _actions(here, at.end_line, at.end_column)
    listing = "; ".join(f"{i}: {a.title}" for i, a in enumerate(actions)) or "none"
    if not 0 <= index < len(actions):
        raise Refusal(f"code action index {index} is out of range at {label}; available now: {listing}")
    action = actions[index]
    if title is not None and action.title != title:
        raise Refusal(
            f"code action {index} at {label} is now {action.title!r}, not {title!r}: the code changed "
            f"since the list was made. Available now: {listing}"
        )
    if action.edit is None and action.data is not None:
        action = await changes.resolve_code_action(here.client, action)
    if action.edit is None:
        raise Refusal(f"code action {action.title!r} has no edit to apply (it runs an editor command)")
    plan = plan_workspace_edit(action.edit, here.service.roots)
    return await finish(here.service, here.workspace, action.title, plan, apply, here.call.confirm)
