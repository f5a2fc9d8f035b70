"""Where things are and who uses them: definitions, type definitions, implementations, references
and the call hierarchy."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rust_mcp.core import budgets
from rust_mcp.core.paging import json_size
from rust_mcp.mcp.capabilities import Capability

from ..lsp import requests
from ..lsp.answers import Location, Requester
from ..lsp.lazy_types import lsp
from ..models import (
    CallEntry,
    CallHierarchyResult,
    LocationList,
    ReferenceGroup,
    ReferenceResult,
    SourceLocation,
)
from ..places.locator import Locator
from ..places.positions import uri_to_path
from ..places.shown_paths import join_notes, withheld_note
from ..service import AnalyzerService
from . import render
from .declaration import AtPosition, analyzer_tool
from .inactive_code import inactive_reason, nothing_found
from .parameters import BodyArg, DirectionArg, Paging, Position
from .symbols import kind_name

GOTO: dict[str, Callable[[Requester, Path, lsp.Position], Awaitable[list[Location]]]] = {
    "definition": requests.definitions,
    "type definition": requests.type_definitions,
    "implementations": requests.implementations,
}


async def _goto(
    here: AtPosition, what: str, include_body: bool, paging: Paging | None = None
) -> LocationList:
    service, target = here.service, here.target
    locator = service.locator(here.root)
    found = await GOTO[what](here.client, target.path, target.position)
    places, left_out = locator.keep(found, lambda place: place.uri)
    if paging is not None:  # rust-analyzer's order varies between runs: a page must mean the same places
        places.sort(key=lambda place: locator.order(place.uri, place.range.start))
    total, page_note = len(places), None
    made: dict[int, SourceLocation] = {}  # each location is made once, measured or shown

    def located(index: int) -> SourceLocation:
        if index not in made:
            made[index] = locator.location(places[index].uri, places[index].range)
        return made[index]

    shown = list(range(total))
    if paging is not None:  # a page of them, within the budget (e.g. 107 impls of Serialize)
        page = paging.take_by(shown, lambda index: json_size(located(index)))
        shown, page_note = page.items, page.note(what)
    bodies = None
    if include_body:
        bodies = [
            service.body(
                places[i].uri, _item_range(service, places[i].uri, places[i].whole), budgets.BODY_LIMIT
            )
            for i in shown
        ]
    note = None
    if not total:
        reason = await inactive_reason(here.client, target.path, target.position, here.root)
        note = f"rust-analyzer found no {what} at {target.label}" + (f": {reason}" if reason else "")
    return LocationList(
        query=f"{what} of {target.label}",
        locations=[located(index) for index in shown],
        total=total,
        note=join_notes(page_note, note, withheld_note(left_out)),
        bodies=bodies,
    )


@analyzer_tool(Capability.RUN, "Go to definition", render.locations)
async def rust_analyzer_definition(
    here: AtPosition, at: Position, include_body: BodyArg = False
) -> LocationList:
    """Where the symbol at a position (or `symbol`) is defined, with its source line."""
    return await _goto(here, "definition", include_body)


@analyzer_tool(Capability.RUN, "Go to type definition", render.locations)
async def rust_analyzer_type_definition(
    here: AtPosition, at: Position, include_body: BodyArg = False
) -> LocationList:
    """Where the type of the expression at a position is defined."""
    return await _goto(here, "type definition", include_body)


@analyzer_tool(Capability.RUN, "Implementations", render.locations)
async def rust_analyzer_implementations(
    here: AtPosition, at: Position, include_body: BodyArg = False, *, paging: Paging
) -> LocationList:
    """The impls of a trait, trait method or type."""
    return await _goto(here, "implementations", include_body, paging)


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

    found: list[Location]
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


async def _references(here: AtPosition, include_declaration: bool) -> _References:
    """The references answer at the position: asked of rust-analyzer once for all its pages."""
    workspace, target = here.workspace, here.target
    spot = target.position
    key = ("references", target.document.uri, spot.line, spot.character, include_declaration)
    kept, made_at = workspace.remembered(key), workspace.generation
    if isinstance(kept, _References):
        return kept
    found = await requests.references(here.client, target.path, target.position, include_declaration)
    locator = here.service.locator(workspace.root)
    shown, left_out = locator.keep(found, lambda loc: loc.uri)
    asked = target.document.uri
    ranked = sorted(
        shown, key=lambda loc: (loc.uri != asked, loc.uri, loc.range.start.line, loc.range.start.character)
    )
    answer = _References(ranked, left_out, locator, Counter(locator.label(place.uri) for place in ranked))
    workspace.remember(key, answer, made_at)
    return answer


@analyzer_tool(Capability.RUN, "Find references", render.references)
async def rust_analyzer_references(
    here: AtPosition,
    at: Position,
    include_declaration: bool = True,
    *,
    paging: Paging,
) -> ReferenceResult:
    """Every use of a symbol across the workspace, grouped by file, the symbol's own file first.
    Semantic: finds what grep misses."""
    found = await _references(here, include_declaration)
    page = paging.take_by(range(len(found.found)), lambda index: found.located(index)[1])
    groups: dict[str, ReferenceGroup] = {}
    for index in page.items:
        location = found.located(index)[0]
        path = location.path
        groups.setdefault(path, ReferenceGroup(path=path, count=found.per_file[path], locations=[]))
        groups[path].locations.append(location)
    label = here.target.label
    note = page.note("references")
    if not found.found:
        reason = await inactive_reason(here.client, here.target.path, here.target.position, here.root)
        note = nothing_found(f"no references to the symbol at {label}", reason)
    return ReferenceResult(
        query=f"references to {label}",
        total=len(found.found),
        files=len(found.per_file),
        groups=list(groups.values()),
        note=join_notes(note, withheld_note(found.left_out)),
    )


@analyzer_tool(Capability.RUN, "Call hierarchy", render.calls)
async def rust_analyzer_call_hierarchy(
    here: AtPosition,
    at: Position,
    direction: DirectionArg = "both",
    *,
    paging: Paging,
) -> CallHierarchyResult:
    """Callers and callees of a function, with the call sites; callers first, `offset` pages on."""
    target, client = here.target, here.client
    prepared = await requests.prepare_call_hierarchy(client, target.path, target.position)
    if not prepared:
        return CallHierarchyResult(
            query=f"calls of {target.label}", item=None, note=f"no function or method at {target.label}"
        )
    item = prepared[0]
    locator = here.service.locator(here.root)

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

    # one ranked list, callers before callees, each in file and line order (the same pages while the
    # code is unchanged); entries are made only for the page
    found: list[tuple[bool, lsp.CallHierarchyItem, str, Sequence[lsp.Range]]] = []
    left_out = 0
    if direction in ("incoming", "both"):
        incoming = await requests.incoming_calls(client, item)
        callers, hidden = locator.keep(incoming, lambda c: c.from_.uri)
        found += [(True, c.from_, c.from_.uri, c.from_ranges) for c in _in_order(callers, "from_", locator)]
        left_out += hidden
    if direction in ("outgoing", "both"):
        outgoing = await requests.outgoing_calls(client, item)
        callees, hidden = locator.keep(outgoing, lambda c: c.to.uri)
        found += [(False, c.to, item.uri, c.from_ranges) for c in _in_order(callees, "to", locator)]
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


def _in_order(calls: Sequence[Any], end: str, locator: Locator) -> list[Any]:
    """Incoming or outgoing calls by the file and line of their caller (`from_`) or callee (`to`)
    (Locator.order)."""

    def key(found: Any) -> tuple[str, int, int]:
        node = getattr(found, end)
        return locator.order(node.uri, node.selection_range.start)

    return sorted(calls, key=key)
