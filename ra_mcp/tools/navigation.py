"""Where things are and who uses them: definitions, type definitions, implementations, references
and the call hierarchy."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
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
from .parameters import BodyArg, DirectionArg, Paging, Position
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


async def _goto(
    call: AnalyzerCall, what: str, at: Position, include_body: bool, paging: Paging | None = None
) -> LocationList:
    method, params_name = GOTO_METHODS[what]
    params_type = getattr(lsp, params_name)
    service = call.service

    async def answer(workspace: Workspace, target: Target) -> LocationList:
        result = await workspace.client.request(
            method, params_type(text_document=target.document, position=target.position)
        )
        locator = service.locator(workspace.root)
        spans, left_out = locator.keep(_spans(result), lambda span: span[0])
        total, page_note = len(spans), None
        made: dict[int, SourceLocation] = {}  # each location is made once, measured or shown

        def located(index: int) -> SourceLocation:
            if index not in made:
                made[index] = locator.location(spans[index][0], spans[index][1])
            return made[index]

        shown = list(range(total))
        if paging is not None:  # a page of them, within the budget (e.g. 107 impls of Serialize)
            page = paging.take_by(shown, lambda index: json_size(located(index)))
            shown, page_note = page.items, page.note(what)
        locations = [located(index) for index in shown]
        spans = [spans[index] for index in shown]
        bodies = None
        if include_body:
            bodies = [
                service.body(uri, _item_range(service, uri, whole), budgets.BODY_LIMIT)
                for uri, _, whole in spans
            ]
        note = None if total else f"rust-analyzer found no {what} at {target.label}"
        note = join_notes(page_note, note, withheld_note(left_out))
        return LocationList(
            query=f"{what} of {target.label}",
            locations=locations,
            total=total,
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
    call: AnalyzerCall, at: Position, include_body: BodyArg = False, *, paging: Paging
) -> LocationList:
    """The impls of a trait, trait method or type."""
    return await _goto(call, "implementations", at, include_body, paging)


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


@dataclass(eq=False)
class _References:
    """One references answer, kept for all its pages while no file changes: every shown place (the
    asked file first, then by file and position), how many were not shown, each file's count, and
    the locations made so far with their JSON sizes (only pages' places get their source lines)."""

    found: list[lsp.Location]
    left_out: int
    locator: Locator
    per_file: Counter[str]
    made: dict[int, tuple[SourceLocation, int]] = field(default_factory=dict)

    def located(self, index: int) -> tuple[SourceLocation, int]:
        if index not in self.made:
            place = self.found[index]
            location = self.locator.location(place.uri, place.range)
            self.made[index] = (location, json_size(location))
        return self.made[index]


async def _references(
    service: AnalyzerService, workspace: Workspace, target: Target, include_declaration: bool
) -> _References:
    """The references answer at `target`: asked of rust-analyzer once for all its pages."""
    key = (
        "references",
        target.document.uri,
        target.position.line,
        target.position.character,
        include_declaration,
    )
    kept, made_at = workspace.remembered(key), workspace.generation
    if isinstance(kept, _References):
        return kept
    result = await workspace.client.request(
        lsp.TEXT_DOCUMENT_REFERENCES,
        lsp.ReferenceParams(
            text_document=target.document,
            position=target.position,
            context=lsp.ReferenceContext(include_declaration=include_declaration),
        ),
    )
    locator = service.locator(workspace.root)
    shown, left_out = locator.keep(result or [], lambda loc: loc.uri)
    asked = target.document.uri
    found = sorted(
        shown, key=lambda loc: (loc.uri != asked, loc.uri, loc.range.start.line, loc.range.start.character)
    )
    answer = _References(found, left_out, locator, Counter(locator.label(place.uri) for place in found))
    workspace.remember(key, answer, made_at)
    return answer


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
        found = await _references(service, workspace, target, include_declaration)
        page = paging.take_by(range(len(found.found)), lambda index: found.located(index)[1])
        groups: dict[str, ReferenceGroup] = {}
        for index in page.items:
            location = found.located(index)[0]
            path = location.path
            groups.setdefault(path, ReferenceGroup(path=path, count=found.per_file[path], locations=[]))
            groups[path].locations.append(location)
        note = page.note("references") if found.found else f"no references to the symbol at {target.label}"
        return ReferenceResult(
            query=f"references to {target.label}",
            total=len(found.found),
            files=len(found.per_file),
            groups=list(groups.values()),
            note=join_notes(note, withheld_note(found.left_out)),
        )

    return await call.at_position(at, answer)


@analyzer_tool(Capability.RUN, "Call hierarchy", render.calls)
async def rust_analyzer_call_hierarchy(
    call: AnalyzerCall,
    at: Position,
    direction: DirectionArg = "both",
    *,
    paging: Paging,
) -> CallHierarchyResult:
    """Callers and callees of a function, with the call sites; callers first, `offset` pages on."""
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
            listed = sorted(sites, key=lambda r: (r.start.line, r.start.character))
            return CallEntry(
                name=node.name,
                kind=kind_name(node.kind) or "?",
                detail=node.detail,
                location=locator.location(node.uri, node.selection_range),
                call_sites=[locator.location(sites_uri, r) for r in listed[: budgets.CALL_SITES_PER_ENTRY]],
                call_sites_left_out=max(0, len(listed) - budgets.CALL_SITES_PER_ENTRY),
            )

        # one ranked list, callers before callees, each in file and line order (the same pages
        # while the code is unchanged); entries are made only for the page
        found: list[tuple[bool, lsp.CallHierarchyItem, str, Sequence[lsp.Range]]] = []
        left_out = 0
        if direction in ("incoming", "both"):
            calls = await workspace.client.request(
                lsp.CALL_HIERARCHY_INCOMING_CALLS, lsp.CallHierarchyIncomingCallsParams(item=item)
            )
            callers, hidden = locator.keep(calls or [], lambda c: c.from_.uri)
            found += [(True, c.from_, c.from_.uri, c.from_ranges) for c in _in_order(callers, "from_")]
            left_out += hidden
        if direction in ("outgoing", "both"):
            calls = await workspace.client.request(
                lsp.CALL_HIERARCHY_OUTGOING_CALLS, lsp.CallHierarchyOutgoingCallsParams(item=item)
            )
            callees, hidden = locator.keep(calls or [], lambda c: c.to.uri)
            found += [(False, c.to, item.uri, c.from_ranges) for c in _in_order(callees, "to")]
            left_out += hidden
        made: dict[int, CallEntry] = {}

        def made_entry(index: int) -> CallEntry:
            if index not in made:
                _, node, sites_uri, sites = found[index]
                made[index] = entry(node, sites_uri, sites)
            return made[index]

        page = paging.take_by(range(len(found)), lambda index: json_size(made_entry(index)))
        result = CallHierarchyResult(
            query=f"calls of {target.label}",
            item=entry(item, item.uri, []),
            incoming=[made_entry(index) for index in page.items if found[index][0]],
            outgoing=[made_entry(index) for index in page.items if not found[index][0]],
            incoming_total=sum(1 for incoming, *_ in found if incoming),
            outgoing_total=sum(1 for incoming, *_ in found if not incoming),
        )
        result.note = join_notes(page.note("callers and callees"), withheld_note(left_out))
        return result

    return await call.at_position(at, answer)


def _in_order(calls: Sequence[Any], end: str) -> list[Any]:
    """Incoming or outgoing calls by the file and line of their caller (`from_`) or callee (`to`)."""

    def key(found: Any) -> tuple[str, int, int]:
        node = getattr(found, end)
        return (node.uri, node.selection_range.start.line, node.selection_range.start.character)

    return sorted(calls, key=key)
