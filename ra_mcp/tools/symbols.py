"""What a file and a workspace hold and what a name means: a file's outline, symbols by name, hover,
completion and macro expansion."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import anyio
from pydantic import Field

from rust_mcp.core import budgets
from rust_mcp.core.errors import Refusal
from rust_mcp.core.paging import Page, json_size, take_page
from rust_mcp.mcp.capabilities import Capability

from .. import render
from ..analyzer import AnalyzerService, Target
from ..lsp_types import lsp, plain
from ..models import (
    CompletionEntry,
    CompletionList,
    HoverResult,
    LocationList,
    MacroExpansion,
    SymbolNode,
    SymbolOutline,
)
from ..shown_paths import join_notes, withheld_note
from ..workspaces import Workspace
from .declaration import AnalyzerCall, analyzer_tool
from .outline_rows import OutlineRow, enclosing, flatten, inside, nest, symbol_body
from .parameters import FileArg, FilePoint, FilePosition, LimitArg, OffsetArg, Paging, Position, WorkspaceArg

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
    call: AnalyzerCall,
    file_path: FileArg,
    include_bodies: bool = False,
    within: Annotated[
        str | None, Field(description="Only the items inside this one, e.g. `impl Point`.")
    ] = None,
    *,
    paging: Paging,
) -> SymbolOutline:
    """Outline of a file: its items with positions, nested. Pages count nested items too, so `offset`
    pages through a large impl or module."""
    service = call.service

    async def answer(workspace: Workspace, path: Path) -> SymbolOutline:
        result = await workspace.client.request(
            lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL,
            lsp.DocumentSymbolParams(text_document=lsp.TextDocumentIdentifier(uri=path.as_uri())),
            as_json=True,  # thousands of symbols: plain JSON, read only for the page's rows
        )
        uri = path.as_uri()
        rows = flatten([s for s in result or [] if isinstance(s, dict) and "selectionRange" in s])

        def node(row: OutlineRow) -> SymbolNode:
            symbol = row.symbol
            start, whole = symbol["selectionRange"]["start"], symbol["range"]
            return SymbolNode(
                name=symbol["name"],
                kind=kind_name(symbol.get("kind")) or "?",
                detail=symbol.get("detail"),
                line=start["line"] + 1,
                column=start["character"] + 1,
                end_line=whole["end"]["line"] + 1,
                depth=row.depth,
                body=symbol_body(service, uri, whole) if include_bodies and row.depth == 0 else None,
            )

        shown = service.display(path, workspace.root)
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
        return SymbolOutline(
            path=shown,
            symbols=nest(rows, page.items, made_node),
            total=len(listed),
            note=page.note(what)
            if listed
            else f"no {what.replace(' (nested ones counted)', '')} in this file",
        )

    return await call.in_file(file_path, answer)


@analyzer_tool(Capability.RUN, "Find symbol by name", render.locations)
async def rust_analyzer_workspace_symbol(
    call: AnalyzerCall,
    query: Annotated[str, Field(description="Name or part of one.")],
    workspace: WorkspaceArg = None,
    types_only: bool = False,
    with_dependencies: Annotated[bool, Field(description="Also dependencies and std.")] = False,
    limit: LimitArg = 50,
    offset: OffsetArg = 0,
) -> LocationList:
    """Find symbols by name (fuzzy), exact matches first."""
    service = call.service
    text = query.strip()
    if not text or any(ch in text for ch in "#*\x00"):
        raise Refusal("query must be a symbol name or part of one (no '#', '*' or empty text)")

    async def answer(workspace: Workspace) -> LocationList:
        # rust-analyzer's query syntax: a trailing `*` also searches dependencies
        sent = text + ("*" if with_dependencies else "")
        result = await workspace.client.request(lsp.WORKSPACE_SYMBOL, lsp.WorkspaceSymbolParams(query=sent))
        listed = [s for s in result or [] if isinstance(s.location, lsp.Location)]
        locator = service.locator(workspace.root)
        found, left_out = locator.keep(listed, lambda s: s.location.uri)
        if types_only:
            found = [s for s in found if s.kind in TYPE_KINDS]
        exact_first = sorted(
            found,
            key=lambda s: (
                s.name != text,
                s.name.lower() != text.lower(),
                s.name,
                s.location.uri,
                s.location.range.start.line,
            ),
        )
        window = [
            locator.location(
                s.location.uri,
                s.location.range,
                name=s.name,
                kind=kind_name(s.kind),
                container=getattr(s, "container_name", None),
            )
            for s in exact_first[offset : offset + limit]
        ]
        page = Page(take_page(window, 0, limit, json_size).items, offset, len(found))
        locations = page.items
        note = page.note("matches")
        if not found:
            note = f"no symbols match {text!r}" + (
                ""
                if with_dependencies
                else " in the workspace (with_dependencies=true also searches dependencies)"
            )
        scope = "workspace and dependencies" if with_dependencies else "workspace"
        kinds = "types" if types_only else "symbols"
        return LocationList(
            query=f"{kinds} matching {text!r} in the {scope}",
            locations=locations,
            total=len(found),
            note=join_notes(note, withheld_note(left_out)),
        )

    return await call.in_workspace(workspace, answer)


@analyzer_tool(Capability.RUN, "Hover", render.hover)
async def rust_analyzer_hover(call: AnalyzerCall, at: Position) -> HoverResult:
    """Type and docs of a symbol, as markdown."""

    service = call.service

    async def answer(workspace: Workspace, target: Target) -> HoverResult:
        outside: list[bool] = []

        async def ask_where_defined() -> None:
            outside.append(await _defined_outside(service, workspace, target))

        async with anyio.create_task_group() as both:  # one round trip: rust-analyzer answers both at once
            both.start_soon(ask_where_defined)
            result = await workspace.client.request(
                lsp.TEXT_DOCUMENT_HOVER,
                lsp.HoverParams(text_document=target.document, position=target.position),
            )
        if result is None:
            return HoverResult(query=f"hover at {target.label}", found=False)
        if outside[0]:
            note = withheld_note(1)
            return HoverResult(query=f"hover at {target.label}", found=False, note=note)
        contents = result.contents
        if isinstance(contents, lsp.MarkupContent):
            text = contents.value
        elif isinstance(contents, list):
            text = "\n\n".join(c if isinstance(c, str) else c.value for c in contents)
        else:
            text = contents if isinstance(contents, str) else contents.value
        text = text.strip()
        if len(text) > budgets.HOVER_LIMIT:
            text = text[: budgets.HOVER_LIMIT] + f"\n[... {len(text) - budgets.HOVER_LIMIT} more characters]"
        return HoverResult(query=f"hover at {target.label}", found=True, markdown=text)

    return await call.at_position(at, answer)


async def _defined_outside(service: AnalyzerService, workspace: Workspace, target: Target) -> bool:
    """Whether everything at `target` is defined outside what answers may show (its documentation
    would then quote a file outside the roots)."""
    found = await workspace.client.request(
        lsp.TEXT_DOCUMENT_DEFINITION,
        lsp.DefinitionParams(text_document=target.document, position=target.position),
    )
    items = found if isinstance(found, list | tuple) else [found] if found is not None else []
    uris = [item.target_uri if isinstance(item, lsp.LocationLink) else item.uri for item in items]
    return bool(uris) and not any(service.shown(uri) for uri in uris)


@analyzer_tool(Capability.RUN, "Completions", render.completions)
async def rust_analyzer_completion(call: AnalyzerCall, at: FilePoint, limit: LimitArg = 30) -> CompletionList:
    """Completions at a position (e.g. after `value.`), best first."""

    async def answer(workspace: Workspace, target: Target) -> CompletionList:
        result = await workspace.client.request(
            lsp.TEXT_DOCUMENT_COMPLETION,
            lsp.CompletionParams(text_document=target.document, position=target.position),
            timeout=30,
        )
        items = result.items if isinstance(result, lsp.CompletionList) else list(result or [])
        items = sorted(items, key=lambda i: (i.sort_text or i.label, i.label))
        entries = []
        for item in items[:limit]:
            kind = lsp.CompletionItemKind(item.kind).name.lower() if item.kind else None
            detail = item.detail or (item.label_details.detail if item.label_details else None)
            entries.append(CompletionEntry(label=item.label, kind=kind, detail=detail))
        note = f"{len(items)} completions; the first {limit} by relevance" if len(items) > limit else None
        return CompletionList(
            query=f"completions at {target.label}", items=entries, total=len(items), note=note
        )

    return await call.at_position(at.position(), answer)


@analyzer_tool(Capability.RUN, "Expand macro", render.expansion)
async def rust_analyzer_expand_macro(
    call: AnalyzerCall, at: FilePosition, offset: OffsetArg = 0
) -> MacroExpansion:
    """Expand the macro call or derive at a position. A long expansion comes in pages of lines."""

    async def answer(workspace: Workspace, target: Target) -> MacroExpansion:
        result = plain(await workspace.client.request("rust-analyzer/expandMacro", target.plain_params))
        if not result:
            return MacroExpansion(
                query=f"macro at {target.label}",
                name=None,
                expansion=None,
                note=f"no macro call or derive at {target.label}; point at the macro's name",
            )
        lines = str(result.get("expansion", "")).split("\n")
        page = take_page(lines, offset, len(lines), lambda line: len(line) + 1, budgets.EXPANSION_PAGE)
        return MacroExpansion(
            query=f"macro at {target.label}",
            name=result.get("name"),
            expansion="\n".join(page.items),
            note=page.note("expansion lines"),
        )

    return await call.at_position(at, answer)
