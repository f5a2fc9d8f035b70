"""Fast tier: how paged lists read (issue 22, problems 3 and 4). A call hierarchy's text gives the
totals and how many are listed; an outline's pages count nested items, so paging reaches every method
of a huge impl, and a page that starts inside the impl names it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ra_mcp.models import CallEntry, CallHierarchyResult, SourceLocation, SymbolNode, SymbolOutline
from ra_mcp.tools import render
from ra_mcp.tools.outline_rows import OutlineRow, enclosing, flatten, nest
from ra_mcp.tools.parameters import Paging
from rust_mcp.core import budgets
from rust_mcp.core.paging import json_size, next_page_offset


def _place(line: int) -> SourceLocation:
    return SourceLocation(path="src/lib.rs", line=line, column=1, end_line=line, end_column=9, text="x()")


def test_a_cut_call_hierarchy_gives_totals_and_the_next_offset() -> None:
    entry = CallEntry(
        name="caller", kind="function", location=_place(3), call_sites=[_place(4)], call_sites_left_out=12
    )
    result = CallHierarchyResult(
        query="calls of popular",
        item=entry,
        incoming=[entry] * 20,
        incoming_total=200,
        outgoing_total=0,
        note="callers and callees 1-20 of 200 listed; 180 more: call again with offset=20",
    )
    text = render.calls(result)
    assert "called by (200, 20 listed here):" in text
    assert "(calls at 4:1 and 12 more)" in text
    assert next_page_offset(text) == 20 and "calls (" not in text


def _symbol(name: str, line: int, kind: int, children: list[dict[str, Any]]) -> dict[str, Any]:
    """A DocumentSymbol as rust-analyzer sends it (JSON)."""
    span = {"start": {"line": line, "character": 0}, "end": {"line": line + 2, "character": 1}}
    return {"name": name, "kind": kind, "range": span, "selectionRange": span, "children": children}


def _node(symbol: dict[str, Any], depth: int) -> SymbolNode:
    return SymbolNode(
        name=symbol["name"],
        kind="method",
        detail="fn(&self, extra: u32) -> u32",
        line=symbol["selectionRange"]["start"]["line"] + 1,
        column=1,
        end_line=symbol["range"]["end"]["line"] + 1,
        depth=depth,
    )


def _maker(rows: list[OutlineRow], offset: int) -> Callable[[int], SymbolNode]:
    """Each row's node, made once per page (nesting fills the made nodes in), as the tool makes them."""
    made: dict[int, SymbolNode] = {}

    def made_node(index: int) -> SymbolNode:
        if index not in made:
            made[index] = _node(rows[index].symbol, rows[index].depth)
            made[index].parent = enclosing(rows, index, offset)
        return made[index]

    return made_node


def _sized(made: Callable[[int], SymbolNode]) -> Callable[[int], int]:
    return lambda index: json_size(made(index))


def test_outline_pages_count_nested_items_and_reach_every_method() -> None:
    methods = [_symbol(f"method_{i:03}", 10 + 3 * i, 6, []) for i in range(450)]
    symbols = [
        _symbol("Huge", 1, 23, []),
        _symbol("impl Huge", 5, 19, methods),
        _symbol("after", 2000, 12, []),
    ]
    rows = flatten(symbols)
    assert len(rows) == 453 and rows[2].parent == 1 and rows[-1].depth == 0
    seen: list[str] = []
    offset: int | None = 0
    pages = 0
    while offset is not None and pages < 100:
        made_node = _maker(rows, offset)
        page = Paging(offset=offset).take_by(range(len(rows)), _sized(made_node))
        outline = SymbolOutline(
            path="src/lib.rs",
            symbols=nest(rows, page.items, made_node),
            total=len(rows),
            note=page.note("symbols (nested ones counted)"),
        )
        assert len(outline.model_dump_json(exclude_defaults=True)) <= budgets.ANSWER_STRUCTURED_BUDGET
        text = render.symbols(outline)
        assert len(text) <= budgets.ANSWER_TEXT_BUDGET
        if offset:  # a later page starts inside the impl and says which
            assert outline.symbols[0].parent == "impl Huge" and text.count("(in impl Huge)") == 1
        stack = list(reversed(outline.symbols))
        while stack:
            node = stack.pop()
            seen.append(node.name)
            stack += reversed(node.children)
        offset = next_page_offset(outline.note)
        pages += 1
    assert pages > 2
    assert seen == ["Huge", "impl Huge", *(f"method_{i:03}" for i in range(450)), "after"]
