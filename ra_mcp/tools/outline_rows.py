"""A file's outline as rows: rust-analyzer's nested document symbols (as JSON) flattened in document
order so that pages count nested items too, and a page's rows nested again, each page root naming what
encloses it when the page starts inside an impl or module."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rust_mcp.core import budgets
from rust_mcp.core.clipping import clip_end
from rust_mcp.core.errors import Refusal

from ..lsp.lazy_types import lsp
from ..models import SymbolNode
from ..service import AnalyzerService

WITHIN_CANDIDATES = 20  # top-level items named when `within` names none


def symbol_body(service: AnalyzerService, uri: str, whole: dict[str, Any]) -> str:
    span = lsp.Range(
        start=lsp.Position(line=whole["start"]["line"], character=whole["start"]["character"]),
        end=lsp.Position(line=whole["end"]["line"], character=whole["end"]["character"]),
    )
    return service.body(uri, span, budgets.BODY_LIMIT)


@dataclass(frozen=True)
class OutlineRow:
    """One symbol of a file's outline in document order (an LSP DocumentSymbol as JSON): its depth
    and its enclosing row's index."""

    symbol: dict[str, Any]
    depth: int
    parent: int | None


def flatten(symbols: Sequence[dict[str, Any]]) -> list[OutlineRow]:
    rows: list[OutlineRow] = []
    pending: list[tuple[dict[str, Any], int, int | None]] = [(s, 0, None) for s in reversed(symbols)]
    while pending:  # depth first, children after their parent, in order (bounded: each symbol once)
        symbol, depth, parent = pending.pop()
        rows.append(OutlineRow(symbol, depth, parent))
        index = len(rows) - 1
        pending += [(child, depth + 1, index) for child in reversed(symbol.get("children") or [])]
    return rows


def enclosing(rows: Sequence[OutlineRow], index: int, start: int) -> str | None:
    """What encloses a row whose parent is before the page (whose first row is `start`), e.g.
    `mod tests > impl Point`; None when its parent is on the page too, or it has none."""
    parent = rows[index].parent
    if parent is None or parent >= start:  # parents come before their children: on this page
        return None
    enclosing = []
    while parent is not None:
        enclosing.append(clip_end(str(rows[parent].symbol["name"]), budgets.NAME_LIMIT))
        parent = rows[parent].parent
    return " > ".join(reversed(enclosing))


def nest(
    rows: Sequence[OutlineRow], indices: Sequence[int], made: Callable[[int], SymbolNode]
) -> list[SymbolNode]:
    """A page's rows nested again: a row whose parent is on the page is among its children; one whose
    parent is not (the page starts inside an impl or module) is a root (naming what encloses it)."""
    on_page = set(indices)
    roots: list[SymbolNode] = []
    for index in indices:
        node, parent = made(index), rows[index].parent
        if parent in on_page:
            made(parent).children.append(node)
        else:
            roots.append(node)
    return roots


def inside(rows: Sequence[OutlineRow], name: str, path: str) -> range:
    """The rows nested in the first item named `name` (its children, theirs, ...), in order."""
    for index, row in enumerate(rows):
        if row.symbol.get("name") == name:
            end = index + 1
            while end < len(rows) and rows[end].depth > row.depth:
                end += 1
            return range(index + 1, end)
    holders = [  # the items with items inside: what `within` is for
        str(row.symbol.get("name"))
        for index, row in enumerate(rows[:-1])
        if rows[index + 1].depth > row.depth
    ]
    more = f" and {len(holders) - WITHIN_CANDIDATES} more" if len(holders) > WITHIN_CANDIDATES else ""
    raise Refusal(
        f"`within`: no item named {name!r} in {path}; the items with items inside: "
        f"{', '.join(holders[:WITHIN_CANDIDATES]) or 'none'}{more} (names as the outline writes them)"
    )
