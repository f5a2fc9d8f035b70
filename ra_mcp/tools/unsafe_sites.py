"""Where the unsafe code of one file is, from its text and rust-analyzer's answers about it: every
`unsafe` block, fn, impl, trait and extern block (the `unsafe` keyword tokens), the item it sits in
(document symbols), whether a `// SAFETY:` comment or a `# Safety` doc section documents it, and the
unsafe operations inside it (semantic tokens with the `unsafe` modifier). No I/O, no LSP calls."""

from __future__ import annotations

import bisect
import heapq
import itertools
import re
from dataclasses import dataclass, field, fields
from typing import Any

from rust_mcp.core.lexing import code_mask

from ..lsp.lazy_types import lsp
from .audit_models import AuditFinding, UnsafeOperation, UnsafeSite

KIND_OF_WORD = {"fn": "fn", "impl": "impl", "trait": "trait", "extern": "extern"}
OPERATION_KINDS = {
    "function": "call to an unsafe function",
    "method": "call to an unsafe method",
    "static": "use of a mutable static",
    "operator": "dereference of a raw pointer",
    "field": "access to a union field",
    "macro": "use of an unsafe macro",
}
SAFETY_COMMENT = re.compile(r"safety\s*:", re.IGNORECASE)
NEXT_WORD = re.compile(r"\s*([A-Za-z_]+)")
EXTERN_FN = re.compile(r'\s*extern\s*(?:"[^"]*")?\s*fn\b')
# `unsafe fn(*const ())`, `unsafe extern "C" fn(u8)`: a function pointer type, not an item
FN_POINTER = re.compile(r'\s*(?:extern\s*(?:"[^"]*")?\s*)?fn\s*\(')
BRACES = re.compile(r"[{}]")
SAFETY_DOC = re.compile(r"^\s*(?:///|//!)\s*#+\s*safety\b", re.IGNORECASE | re.MULTILINE)


@dataclass
class Site:
    kind: str
    start: int
    end: int
    line: int
    column: int
    end_line: int
    documented: bool
    safety_comment: str | None
    item: str | None = None
    enclosing: str | None = None
    nested: bool = False
    operations: list[UnsafeOperation] = field(default_factory=list)
    findings: list[AuditFinding] = field(default_factory=list)

    def model(self, path: str) -> UnsafeSite:
        """The site as answers show it: where it is in `path`, without its offsets in the text."""
        shown = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("start", "end")}
        return UnsafeSite(path=path, **shown)


class Source:
    def __init__(self, text: str) -> None:
        self.text = text
        self.mask = code_mask(text)
        self.lines = text.split("\n")
        self.closing: dict[int, int] | None = None
        self.comments_above: list[int] | None = None  # found once for the file (_runs_above)
        self.docs_above: list[bool] | None = None
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def offset(self, line: int, column: int) -> int:
        """0-based line and utf-32 column to an index into the text."""
        return self.starts[line] + column

    def line_of(self, offset: int) -> int:
        low, high = 0, len(self.starts) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if self.starts[middle] <= offset:
                low = middle
            else:
                high = middle - 1
        return low

    def extent(self, keyword_end: int) -> int:
        """End of the construct an `unsafe` keyword starts: the brace that closes its first `{`, or
        the first `;` when a `;` comes before any `{` (a declaration without a body)."""
        brace, semicolon = self.mask.find("{", keyword_end), self.mask.find(";", keyword_end)
        if brace < 0 or 0 <= semicolon < brace:
            return semicolon if semicolon >= 0 else keyword_end
        if self.closing is None:  # each brace's match, found once for the file (not once a site)
            self.closing, opened = {}, []
            for match in BRACES.finditer(self.mask):
                if match.group() == "{":
                    opened.append(match.start())
                elif opened:
                    self.closing[opened.pop()] = match.start()
        return self.closing.get(brace, len(self.mask) - 1)

    def safety_comment(self, line: int, column: int) -> str | None:
        """A `// SAFETY:` comment before the keyword on its line, or in the comment lines (and
        attributes) directly above it (the first such, top down)."""
        before = self.lines[line][:column]
        if "//" in before and SAFETY_COMMENT.search(before.split("//", 1)[1]):
            return before.split("//", 1)[1].strip()
        if self.comments_above is None:
            self.comments_above, self.docs_above = _runs_above(self.lines)
        found = self.comments_above[line]
        return None if found < 0 else self.lines[found].strip().lstrip("/").strip()

    def safety_doc(self, line: int) -> bool:
        """A `# Safety` section in the doc comment (and attributes) directly above the item on `line`."""
        if self.docs_above is None:
            self.comments_above, self.docs_above = _runs_above(self.lines)
        return self.docs_above[line]


def _runs_above(lines: list[str]) -> tuple[list[int], list[bool]]:
    """For each line, in one pass over the file: the first line (top down) of the run of comment
    lines and attributes directly above it that is a `// SAFETY:` comment (-1: none), and whether
    the run of doc comment lines and attributes directly above it holds a `# Safety` section.
    Looking up from each site instead was quadratic: 20,000 `#[inline] unsafe fn` lines, each
    walking every line above it, held the audit's thread for minutes."""
    comments: list[int] = []
    docs: list[bool] = []
    first, documented = -1, False  # of the runs ending on the line before
    for text in lines:
        comments.append(first)
        docs.append(documented)
        stripped = text.strip()
        if stripped.startswith("//"):
            if first < 0 and SAFETY_COMMENT.search(stripped.lstrip("/").strip()):
                first = len(comments) - 1
        elif not (stripped.startswith("#[") or stripped.startswith("*") or stripped.startswith("/*")):
            first = -1
        if stripped.startswith("///") or stripped.startswith("#["):
            documented = documented or bool(SAFETY_DOC.search(stripped))
        else:
            documented = False
    return comments, docs


def decode(data: list[int], legend: lsp.SemanticTokensLegend) -> list[tuple[int, int, int, str, set[str]]]:
    tokens = []
    line = column = 0
    for index in range(0, len(data), 5):
        delta_line, delta_column, length, kind, modifiers = data[index : index + 5]
        line += delta_line
        column = delta_column if delta_line else column + delta_column
        names = {
            legend.token_modifiers[bit] for bit in range(len(legend.token_modifiers)) if modifiers >> bit & 1
        }
        tokens.append((line, column, length, legend.token_types[kind], names))
    return tokens


class Symbols:
    """One level of a file's document symbols (their offsets found once), to find the one holding
    an offset: by bisection when the level's symbols are in order and apart (rust-analyzer's, from
    the syntax tree, are), else the first in the list holding it. A scan of the level for each site
    was quadratic: 20,000 `unsafe fn` items took minutes."""

    def __init__(self, symbols: list[Any], source: Source) -> None:
        self.entries = [
            (
                source.offset(min(symbol.range.start.line, len(source.lines)), symbol.range.start.character),
                source.offset(min(symbol.range.end.line, len(source.lines)), symbol.range.end.character),
                symbol,
            )
            for symbol in symbols
            if isinstance(symbol, lsp.DocumentSymbol)
        ]
        self.starts = [start for start, _, _ in self.entries]
        self.ordered = all(a[0] < b[0] and a[1] <= b[0] for a, b in itertools.pairwise(self.entries))
        self.source = source
        self.levels: dict[int, Symbols] = {}  # the children of an entry, by its index

    def holding(self, offset: int) -> int | None:
        """The index of the first entry whose range holds `offset` (ends included), or None."""
        if not self.ordered:
            return next((i for i, (start, end, _) in enumerate(self.entries) if start <= offset <= end), None)
        last = bisect.bisect_right(self.starts, offset) - 1  # only it and the one before can hold it
        return next((i for i in (last - 1, last) if i >= 0 and self.entries[i][1] >= offset), None)

    def path(self, offset: int) -> list[str]:
        """The names of the symbols holding `offset`, outermost first."""
        trail: list[str] = []
        level: Symbols = self
        while (index := level.holding(offset)) is not None:
            symbol = level.entries[index][2]
            trail.append(symbol.name)
            if index not in level.levels:
                level.levels[index] = Symbols(list(symbol.children or []), level.source)
            level = level.levels[index]
        return trail


def sites_in(
    source: Source, tokens: list[tuple[int, int, int, str, set[str]]], symbols: list[Any]
) -> list[Site]:
    sites: list[Site] = []
    levels = Symbols(symbols, source)
    for line, column, length, kind, modifiers in tokens:
        start = source.offset(line, column)
        # rust-analyzer highlights the examples in doc comments too (doctests): not the crate's code,
        # and their extent, item and SAFETY comment cannot be read from the code around them
        if kind != "keyword" or "unsafe" not in modifiers or source.mask[start : start + length] != "unsafe":
            continue
        if FN_POINTER.match(source.text, start + length):
            continue
        word = NEXT_WORD.match(source.mask, start + length)  # never a copy of the rest of the file
        site_kind = KIND_OF_WORD.get(word.group(1), "block") if word else "block"
        if site_kind == "extern" and EXTERN_FN.match(source.text, start + length):
            site_kind = "fn"
        keyword = start  # inside its item's symbol, which starts at `pub`, right of the line's start
        end = source.extent(start + length)
        if site_kind != "block":  # an item starts with its line (`pub`, `extern "C"`); lints point there
            start = source.offset(line, 0)
        comment = source.safety_comment(line, column)
        documented = source.safety_doc(line) if site_kind in ("fn", "trait") else comment is not None
        site = Site(site_kind, start, end, line + 1, column + 1, source.line_of(end) + 1, documented, comment)
        path = levels.path(keyword)
        if site_kind in ("fn", "impl", "trait"):
            site.item = path[-1] if path else None
            path = path[:-1]
        site.enclosing = "::".join(path) or None
        sites.append(site)
    reach = -1  # the furthest end of the sites that start before the ones looked at
    for _, starting in itertools.groupby(sorted(sites, key=lambda s: s.start), key=lambda s: s.start):
        group = list(starting)
        for site in group:
            site.nested = site.start <= reach
        reach = max(reach, *(site.end for site in group))
    operations = [
        (line, column, length, kind)
        for line, column, length, kind, modifiers in tokens
        if "unsafe" in modifiers
        and kind not in ("keyword", "punctuation", "interface")
        and "declaration" not in modifiers
    ]
    owners = innermost_each(sites, [source.offset(line, column) for line, column, _, _ in operations])
    for (line, column, length, kind), owner in zip(operations, owners, strict=True):
        if owner is not None:
            owner.operations.append(
                UnsafeOperation(
                    line=line + 1,
                    column=column + 1,
                    kind=OPERATION_KINDS.get(kind, f"unsafe {kind}"),
                    text=source.lines[line][column : column + length],
                )
            )
    return sites


def innermost_each(sites: list[Site], offsets: list[int]) -> list[Site | None]:
    """For each offset, the site holding it that starts last (the first such in `sites` on a tie),
    in one sweep: a loop over every site for every offset took 85 s for 20,000 `unsafe {}` lines."""
    found: list[Site | None] = [None] * len(offsets)
    by_start = sorted(range(len(sites)), key=lambda index: sites[index].start)
    open_sites: list[tuple[int, int]] = []  # (-start, index): the latest start on top
    following = 0
    for slot in sorted(range(len(offsets)), key=lambda slot: offsets[slot]):
        offset = offsets[slot]
        while following < len(by_start) and sites[by_start[following]].start <= offset:
            index = by_start[following]
            heapq.heappush(open_sites, (-sites[index].start, index))
            following += 1
        while open_sites and sites[open_sites[0][1]].end < offset:  # ended: never holds a later one
            heapq.heappop(open_sites)
        found[slot] = sites[open_sites[0][1]] if open_sites else None
    return found
