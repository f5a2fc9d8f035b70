"""Where things are and who uses them: definitions, type definitions, implementations, references
and the call hierarchy."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from rust_mcp.core import budgets
from rust_mcp.core.paging import json_size
from rust_mcp.mcp.capabilities import Capability

from .. import render
from ..analyzer import AnalyzerService, Target
from ..locator import Locator
from ..lsp_types import lsp
from ..models import (
    CallEntry,
    CallHierarchyResult,
    LocationList,
    ReferenceGroup,
    ReferenceResult,
    SourceLocation,
)
from ..positions import uri_to_path
from ..shown_paths import join_notes, withheld_note
from ..workspaces import Workspace
from .declaration import AnalyzerCall, analyzer_tool
from .parameters import BodyArg, DirectionArg, LimitArg, Paging, Position
from .symbols import kind_name

# the LSP method and the name of its params type, looked up when a call needs them (importing
# this module does not import lsprotocol)
GOTO_METHODS = {
    "definition": ("textDocument/definition", "DefinitionParams"),
    "type definition": ("textDocument/typeDefinition", "TypeDefinitionParams"),
    "implementations": ("textDocument/implementation", "ImplementationParams"),
}


def _spans(result: Any) -> list[tuple[str, lsp.Range, lsp.Range]]:
    """(uri, range to show, range to take a body from) for Location / LocationLink answers."""
    if result is None:
        return []
    items = result if isinstance(result, list | tuple) else [result]
    spans = []
    for item in items:
        if isinstance(item, lsp.LocationLink):
            spans.append((item.target_uri, item.target_selection_range, item.target_range))
        elif isinstance(item, lsp.Location):
            spans.append((item.uri, item.range, item.range))
    return spans


async def _goto(call: AnalyzerCall, what: str, at: Position, include_body: bool) -> LocationList:
    method, params_name = GOTO_METHODS[what]
    params_type = getattr(lsp, params_name)
    service = call.service

    async def answer(workspace: Workspace, target: Target) -> LocationList:
        result = await workspace.client.request(
            method, params_type(text_document=target.document, position=target.position)
        )
        locator = service.locator(workspace.root)
        spans, left_out = locator.keep(_spans(result), lambda span: span[0])
        locations = [locator.location(uri, shown) for uri, shown, _ in spans]
        bodies = None
        if include_body:
            bodies = [
                service.body(uri, _item_range(service, uri, whole), budgets.BODY_LIMIT)
                for uri, _, whole in spans
            ]
        note = None if locations else f"rust-analyzer found no {what} at {target.label}"
        note = join_notes(note, withheld_note(left_out))
        return LocationList(
            query=f"{what} of {target.label}",
            locations=locations,
            total=len(locations),
            note=note,
            bodies=bodies,
        )

    return await call.at_position(at, answer)


@analyzer_tool(Capability.RUN, "Go to definition", render.locations)
async def rust_analyzer_definition(
    call: AnalyzerCall, at: Position, include_body: BodyArg = False
) -> LocationList:
    """Where the symbol at a position (or `symbol`) is defined, with its source line."""
    return await _goto(call, "definition", at, include_body)


@analyzer_tool(Capability.RUN, "Go to type definition", render.locations)
async def rust_analyzer_type_definition(
    call: AnalyzerCall, at: Position, include_body: BodyArg = False
) -> LocationList:
    """Where the type of the expression at a position is defined."""
    return await _goto(call, "type definition", at, include_body)


@analyzer_tool(Capability.RUN, "Implementations", render.locations)
async def rust_analyzer_implementations(
    call: AnalyzerCall, at: Position, include_body: BodyArg = False
) -> LocationList:
    """The impls of a trait, trait method or type."""
    return await _goto(call, "implementations", at, include_body)


def _item_range(service: AnalyzerService, uri: str, span: lsp.Range) -> lsp.Range:
    """Definitions point at a name; for a body, widen a one-line span to the item it names (up to
    the line that closes the first brace opened after it)."""
    if span.end.line > span.start.line:
        return span
    lines = service.sources.get(uri_to_path(uri)).lines
    depth = 0
    opened = False
    for number in range(span.start.line, min(len(lines), span.start.line + 400)):
        text = lines[number]
        depth += text.count("{") - text.count("}")
        opened = opened or "{" in text
        if (opened and depth <= 0) or (not opened and text.rstrip().endswith(";")):
            return lsp.Range(start=span.start, end=lsp.Position(line=number, character=len(text)))
    return span


async def _references(
    workspace: Workspace, target: Target, include_declaration: bool, locator: Locator
) -> tuple[list[lsp.Location], int]:
    """Every shown reference, the asked file first, then by file and position; and how many were
    not shown. Asked once for all the pages of an answer while no file changes."""
    key = (
        "references",
        target.document.uri,
        target.position.line,
        target.position.character,
        include_declaration,
    )
    kept = workspace.remembered(key)
    if isinstance(kept, tuple):
        return kept
    result = await workspace.client.request(
        lsp.TEXT_DOCUMENT_REFERENCES,
        lsp.ReferenceParams(
            text_document=target.document,
            position=target.position,
            context=lsp.ReferenceContext(include_declaration=include_declaration),
        ),
    )
    shown, left_out = locator.keep(result or [], lambda loc: loc.uri)
    asked = target.document.uri
    found = sorted(
        shown, key=lambda loc: (loc.uri != asked, loc.uri, loc.range.start.line, loc.range.start.character)
    )
    workspace.remember(key, (found, left_out))
    return found, left_out


@analyzer_tool(Capability.RUN, "Find references", render.references)
async def rust_analyzer_references(
    call: AnalyzerCall,
    at: Position,
    include_declaration: bool = True,
    *,
    paging: Paging,
) -> ReferenceResult:
    """Every use of a symbol across the workspace, grouped by file, the symbol's own file first.
    Semantic: finds what grep misses."""
    service = call.service

    async def answer(workspace: Workspace, target: Target) -> ReferenceResult:
        locator = service.locator(workspace.root)
        found, left_out = await _references(workspace, target, include_declaration, locator)
        made: dict[int, SourceLocation] = {}

        def located(index: int) -> SourceLocation:  # only the page's places: their source lines are read
            if index not in made:
                made[index] = locator.location(found[index].uri, found[index].range)
            return made[index]

        page = paging.take_by(range(len(found)), lambda index: json_size(located(index)))
        per_file = Counter(locator.label(item.uri) for item in found)  # all of them, listed or not
        groups: dict[str, ReferenceGroup] = {}
        for location in map(located, page.items):
            path = location.path
            groups.setdefault(path, ReferenceGroup(path=path, count=per_file[path], locations=[]))
            groups[path].locations.append(location)
        note = page.note("references") if found else f"no references to the symbol at {target.label}"
        return ReferenceResult(
            query=f"references to {target.label}",
            total=len(found),
            files=len(per_file),
            groups=list(groups.values()),
            note=join_notes(note, withheld_note(left_out)),
        )

    return await call.at_position(at, answer)


@analyzer_tool(Capability.RUN, "Call hierarchy", render.calls)
async def rust_analyzer_call_hierarchy(
    call: AnalyzerCall,
    at: Position,
    direction: DirectionArg = "both",
    limit: LimitArg = 50,
) -> CallHierarchyResult:
    """Callers and callees of a function, with the call sites."""
    service = call.service

    async def answer(workspace: Workspace, target: Target) -> CallHierarchyResult:
        prepared = await workspace.client.request(
            lsp.TEXT_DOCUMENT_PREPARE_CALL_HIERARCHY,
            lsp.CallHierarchyPrepareParams(text_document=target.document, position=target.position),
        )
        if not prepared:
            return CallHierarchyResult(
                query=f"calls of {target.label}", item=None, note=f"no function or method at {target.label}"
            )
        item = prepared[0]
        locator = service.locator(workspace.root)

        def entry(node: lsp.CallHierarchyItem, sites_uri: str, sites: Sequence[lsp.Range]) -> CallEntry:
            return CallEntry(
                name=node.name,
                kind=kind_name(node.kind) or "?",
                detail=node.detail,
                location=locator.location(node.uri, node.selection_range),
                call_sites=[locator.location(sites_uri, r) for r in sites[:limit]],
            )

        result = CallHierarchyResult(query=f"calls of {target.label}", item=entry(item, item.uri, []))
        left_out = 0
        if direction in ("incoming", "both"):
            calls = await workspace.client.request(
                lsp.CALL_HIERARCHY_INCOMING_CALLS, lsp.CallHierarchyIncomingCallsParams(item=item)
            )
            callers, hidden = locator.keep(calls or [], lambda c: c.from_.uri)
            result.incoming = [entry(c.from_, c.from_.uri, c.from_ranges) for c in callers[:limit]]
            left_out += hidden
        if direction in ("outgoing", "both"):
            calls = await workspace.client.request(
                lsp.CALL_HIERARCHY_OUTGOING_CALLS, lsp.CallHierarchyOutgoingCallsParams(item=item)
            )
            callees, hidden = locator.keep(calls or [], lambda c: c.to.uri)
            result.outgoing = [entry(c.to, item.uri, c.from_ranges) for c in callees[:limit]]
            left_out += hidden
        result.note = join_notes(result.note, withheld_note(left_out))
        return result

    return await call.at_position(at, answer)
