"""What a file and a workspace hold and what a name means: a file's outline, symbols by name, hover,
completion and macro expansion."""

from __future__ import annotations

from typing import Annotated

import anyio
from pydantic import Field

from rust_mcp.core import budgets
from rust_mcp.core.clipping import clip_end
from rust_mcp.core.errors import Refusal
from rust_mcp.core.paging import Page, json_size, take_page
from rust_mcp.mcp.capabilities import Capability

from ..lsp import requests
from ..lsp.lazy_types import lsp
from ..models import (
    CompletionEntry,
    CompletionList,
    HoverResult,
    LocationList,
    MacroExpansion,
    SymbolNode,
    SymbolOutline,
)
from ..places.positions import shown
from ..places.shown_paths import join_notes, withheld_note
from ..places.unseen_names import unseen_note
from . import render
from .declaration import AtPosition, InFile, InWorkspace, analyzer_tool
from .inactive_code import inactive_reason, nothing_found
from .outline_rows import OutlineRow, enclosing, flatten, inside, nest, symbol_body
from .parameters import FileArg, FilePoint, FilePosition, LimitArg, OffsetArg, Paging, Position, WorkspaceArg
from .symbol_order import exact_names_first, search_cut_note

# LSP SymbolKind numbers (the spec fixes them) of Class, Enum, Interface, Object, Struct and
# TypeParameter, as numbers so that importing this module does not import lsprotocol
TYPE_KINDS = frozenset({5, 10, 11, 19, 23, 26})


def kind_name(kind: int | None) -> str | None:
    if kind is None:
        return None
    try:
        return lsp.SymbolKind(kind).name.lower()
    except ValueError:
        return str(kind)


@analyzer_tool(Capability.RUN, "File outline", render.symbols)
async def rust_analyzer_symbols(
    here: InFile,
    file_path: FileArg,
    workspace: WorkspaceArg = None,
    include_bodies: bool = False,
    within: Annotated[
        str | None, Field(description="Only the items inside this one, e.g. `impl Point`.")
    ] = None,
    *,
    paging: Paging,
) -> SymbolOutline:
    """Outline of a file: its items with positions, nested. Pages count nested items too, so `offset`
    pages through a large impl or module."""
    service, path = here.service, here.path
    uri = path.as_uri()
    rows = flatten(await requests.document_symbols_json(here.client, path))

    def node(row: OutlineRow) -> SymbolNode:
        symbol = row.symbol
        start, whole = symbol["selectionRange"]["start"], symbol["range"]
        return SymbolNode(
            name=clip_end(str(symbol["name"]), budgets.NAME_LIMIT),
            kind=kind_name(symbol.get("kind")) or "?",
            detail=None
            if (detail := symbol.get("detail")) is None
            else clip_end(str(detail), budgets.NAME_LIMIT),
            line=start["line"] + 1,
            column=start["character"] + 1,
            end_line=whole["end"]["line"] + 1,
            depth=row.depth,
            body=symbol_body(service, uri, whole) if include_bodies and row.depth == 0 else None,
        )

    shown = service.display(path, here.root)
    listed = range(len(rows)) if within is None else inside(rows, within, shown)
    start = listed[paging.offset] if paging.offset < len(listed) else len(rows)  # the page's first row
    made: dict[int, SymbolNode] = {}

    def made_node(index: int) -> SymbolNode:
        if index not in made:
            made[index] = node(rows[index])
            made[index].parent = enclosing(rows, index, start)
        return made[index]

    page = paging.take_by(listed, lambda index: json_size(made_node(index)))
    what = "symbols (nested ones counted)" + (f" in {within}" if within else "")
    note = page.note(what)
    if not listed:  # tokio's task/spawn.rs: its items are there, in a file of no crate (`rt` off)
        reason = None if rows else await inactive_reason(here.client, path, lsp.Position(line=0, character=0))
        note = nothing_found(f"no {what.replace(' (nested ones counted)', '')} in this file", reason)
    return SymbolOutline(path=shown, symbols=nest(rows, page.items, made_node), total=len(listed), note=note)


def _check_query(query: str, **_: object) -> None:
    text = query.strip()
    if not text or any(ch in text for ch in "#*\x00"):
        raise Refusal("query must be a symbol name or part of one (no '#', '*' or empty text)")


@analyzer_tool(Capability.RUN, "Find symbol by name", render.locations, check=_check_query)
async def rust_analyzer_workspace_symbol(
    here: InWorkspace,
    query: Annotated[str, Field(description="Name or part of one.")],
    workspace: WorkspaceArg = None,
    types_only: bool = False,
    with_dependencies: Annotated[bool, Field(description="Also dependencies and std.")] = False,
    limit: LimitArg = 50,
    offset: OffsetArg = 0,
) -> LocationList:
    """Find symbols by name (fuzzy), exact matches first."""
    text = query.strip()
    # rust-analyzer's query syntax: a trailing `*` also searches dependencies
    listed = await requests.workspace_symbols(here.client, text + ("*" if with_dependencies else ""))
    locator = here.service.locator(here.root)
    found, left_out = locator.keep(listed, lambda s: s.uri)
    # a module compiled into several crates (tests/common/mod.rs) is listed once per crate: once here
    found = list({(s.uri, s.range.start.line, s.range.start.character, s.name): s for s in found}.values())
    if types_only:
        found = [s for s in found if s.kind in TYPE_KINDS]
    exact_first = exact_names_first(found, text, locator)
    window = [
        locator.location(s.uri, s.range, name=s.name, kind=kind_name(s.kind), container=s.container)
        for s in exact_first[offset : offset + limit]
    ]
    page = Page(take_page(window, 0, limit, json_size).items, offset, len(found))
    note = page.note("matches")
    if not found:
        elsewhere = " in the workspace (with_dependencies=true also searches dependencies)"
        note = f"no symbols match {text!r}" + ("" if with_dependencies else elsewhere)
        unseen = await unseen_note(here.workspace, lambda path: here.service.display(path, here.root), text)
        note = f"no symbols match {text!r}: {unseen}" if unseen else note  # the source knows better
    scope = "workspace and dependencies" if with_dependencies else "workspace"
    kinds = "types" if types_only else "symbols"
    return LocationList(
        query=f"{kinds} matching {text!r} in the {scope}",
        locations=page.items,
        total=len(found),
        note=join_notes(note, search_cut_note(len(listed), len(found)), withheld_note(left_out)),
    )


def hover_text(result: HoverResult) -> str:
    """The hover's text: its markdown, or what there was not (the renderer beside its tool)."""
    if result.found:
        return result.markdown
    return f"{result.query}: nothing to show ({result.note or 'no symbol there'})"


@analyzer_tool(Capability.RUN, "Hover", hover_text)
async def rust_analyzer_hover(here: AtPosition, at: Position) -> HoverResult:
    """Type and docs of a symbol, as markdown."""
    target = here.target
    outside: list[bool] = []

    async def ask_where_defined() -> None:
        outside.append(await _defined_outside(here))

    async with anyio.create_task_group() as both:  # one round trip: rust-analyzer answers both at once
        both.start_soon(ask_where_defined)
        hover = await requests.hover(here.client, target.path, target.position)
    if hover is None:
        reason = await inactive_reason(here.client, target.path, target.position, here.root)
        return HoverResult(query=f"hover at {target.label}", found=False, note=reason)
    if outside[0]:
        return HoverResult(query=f"hover at {target.label}", found=False, note=withheld_note(1))
    text = hover.text.strip()
    if len(text) > budgets.HOVER_LIMIT:
        text = text[: budgets.HOVER_LIMIT] + f"\n[... {len(text) - budgets.HOVER_LIMIT} more characters]"
    return HoverResult(query=f"hover at {target.label}", found=True, markdown=text)


async def _defined_outside(here: AtPosition) -> bool:
    """Whether everything at the position is defined outside what answers may show (its documentation
    would then quote a file outside the roots)."""
    found = await requests.definitions(here.client, here.target.path, here.target.position)
    return bool(found) and not any(shown(here.service.scope, place.uri) for place in found)


@analyzer_tool(Capability.RUN, "Completions", render.completions)
async def rust_analyzer_completion(here: AtPosition, at: FilePoint, limit: LimitArg = 30) -> CompletionList:
    """Completions at a position (e.g. after `value.`), best first."""
    target = here.target
    items = await requests.completions(here.client, target.path, target.position)
    items = sorted(items, key=lambda i: (i.sort_text or i.label, i.label))
    entries = []
    for item in items[:limit]:
        kind = lsp.CompletionItemKind(item.kind).name.lower() if item.kind else None
        detail = item.detail or (item.label_details.detail if item.label_details else None)
        entries.append(CompletionEntry(label=item.label, kind=kind, detail=detail))
    note = f"{len(items)} completions; the first {limit} by relevance" if len(items) > limit else None
    return CompletionList(query=f"completions at {target.label}", items=entries, total=len(items), note=note)


@analyzer_tool(Capability.RUN, "Expand macro", render.expansion)
async def rust_analyzer_expand_macro(
    here: AtPosition, at: FilePosition, offset: OffsetArg = 0
) -> MacroExpansion:
    """Expand the macro call or derive at a position. A long expansion comes in pages of lines."""
    target = here.target
    expanded = await requests.expand_macro(here.client, target.path, target.position)
    if expanded is None:
        reason = await inactive_reason(here.client, target.path, target.position, here.root)
        note = f"no macro call or derive at {target.label}; point at the macro's name"
        if reason:  # e.g. a derive whose macro a feature turns on: a wrong position is not the cause
            note = f"rust-analyzer expanded nothing at {target.label}: {reason}"
        return MacroExpansion(query=f"macro at {target.label}", name=None, expansion=None, note=note)
    lines = expanded.expansion.split("\n")
    page = take_page(lines, offset, len(lines), lambda line: len(line) + 1, budgets.EXPANSION_PAGE)
    return MacroExpansion(
        query=f"macro at {target.label}",
        name=expanded.name,
        expansion="\n".join(page.items),
        note=page.note("expansion lines"),
    )
