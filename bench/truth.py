"""Ground truth for the corpus queries, computed from the source text alone (no rust-analyzer), and
the checks that say whether an answer from raw rust-analyzer, the Rust anchor or ours is right.

The query: `SearcherBuilder` (grep-searcher), used from the ripgrep binary crate through the `grep`
facade's re-export (`grep::searcher::SearcherBuilder::new()` in flags/hiargs.rs). A right answer
needs the whole dependency graph loaded and the binary crate analysed:
- hover: names the item's real declaration (`pub struct SearcherBuilder`), its module path
  (`grep_searcher::searcher`) and the first line of its doc comment, all read from the source;
- definition: the file and line of that declaration;
- references: exactly the lines where the name occurs as code (comments and strings masked out)
  across every .rs file of the workspace.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from rust_mcp.core.lexing import code_mask


@dataclass(frozen=True)
class Query:
    name: str
    kind: str
    declared_in: str  # relative to the workspace
    used_in: str
    used_as: str  # text on the line of the use; the position is the name inside it


SEARCHER_BUILDER = Query(
    name="SearcherBuilder",
    kind="struct",
    declared_in="grep-searcher/src/searcher/mod.rs",
    used_in="ripgrep/crates/core/flags/hiargs.rs",
    used_as="grep::searcher::SearcherBuilder::new()",
)


@dataclass(frozen=True)
class Truth:
    query: Query
    root: Path
    use_line: int  # 0-based, as LSP and the Rust anchor count
    use_column: int  # 0-based; the lines are ASCII, so UTF-8, UTF-16 and UTF-32 columns agree
    declaration_line: int  # 0-based
    declaration: str  # e.g. "pub struct SearcherBuilder"
    module_path: str  # e.g. "grep_searcher::searcher"
    doc_first_line: str
    references: frozenset[tuple[str, int]]  # (relative path, 0-based line)

    @property
    def use_path(self) -> Path:
        return self.root / self.query.used_in


def module_path(relative: str) -> str:
    """`grep-searcher/src/searcher/mod.rs` -> `grep_searcher::searcher`."""
    package, _, inside = relative.partition("/src/")
    parts = [package.replace("-", "_")]
    module = inside.removesuffix(".rs").split("/")
    if module[-1] in {"mod", "lib", "main"}:
        module = module[:-1]
    return "::".join(parts + module)


def doc_above(lines: list[str], index: int) -> str:
    """First line of the `///` comment above line `index`, skipping attributes."""
    docs: list[str] = []
    cursor = index - 1
    while cursor >= 0:
        text = lines[cursor].strip()
        if text.startswith("#["):
            cursor -= 1
            continue
        if not text.startswith("///"):
            break
        docs.insert(0, text.removeprefix("///").strip())
        cursor -= 1
    return next((line for line in docs if line), "")


def code_occurrences(root: Path, name: str) -> frozenset[tuple[str, int]]:
    """Every (file, line) where `name` occurs as an identifier in code, across the workspace."""
    word = re.compile(rf"\b{re.escape(name)}\b")
    found: set[tuple[str, int]] = set()
    for path in sorted(root.rglob("*.rs")):
        relative = path.relative_to(root)
        if "target" in relative.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if name not in text:
            continue
        for number, line in enumerate(code_mask(text).split("\n")):
            if word.search(line):
                found.add((str(relative), number))
    return frozenset(found)


def compute(root: Path, query: Query = SEARCHER_BUILDER) -> Truth:
    declared = (root / query.declared_in).read_text().split("\n")
    pattern = re.compile(rf"^\s*(pub(?:\([^)]*\))?\s+)?{query.kind}\s+{query.name}\b")
    line = next(i for i, text in enumerate(declared) if pattern.search(text))
    declaration = re.sub(r"\s+", " ", declared[line].strip().split("{")[0].split("<")[0]).strip()
    used = (root / query.used_in).read_text().split("\n")
    use_line = next(i for i, text in enumerate(used) if query.used_as in text)
    use_column = used[use_line].index(query.used_as) + query.used_as.index(query.name)
    return Truth(
        query=query,
        root=root,
        use_line=use_line,
        use_column=use_column,
        declaration_line=line,
        declaration=declaration,
        module_path=module_path(query.declared_in),
        doc_first_line=doc_above(declared, line),
        references=code_occurrences(root, query.name),
    )


# -- the checks ---------------------------------------------------------------------------------


def hover_is_right(truth: Truth, markdown: str | None) -> bool:
    if not markdown:
        return False
    flat = re.sub(r"\s+", " ", markdown)
    return truth.declaration in flat and truth.module_path in flat and truth.doc_first_line in flat


def definition_is_right(truth: Truth, places: Iterable[tuple[str, int]]) -> bool:
    return (truth.query.declared_in, truth.declaration_line) in set(places)


def references_are_right(truth: Truth, places: Iterable[tuple[str, int]]) -> bool:
    return frozenset(places) == truth.references


# -- reading answers ----------------------------------------------------------------------------


def relative_place(root: Path, uri_or_path: str, line: int) -> tuple[str, int]:
    path = unquote(urlparse(uri_or_path).path) if uri_or_path.startswith("file:") else uri_or_path
    prefix = str(root) + "/"
    return (path[len(prefix) :] if path.startswith(prefix) else path, line)


def lsp_hover_text(result: Any) -> str | None:
    """The text of an LSP Hover (MarkupContent, MarkedString or a list of them)."""
    if not isinstance(result, Mapping):
        return None
    contents = result.get("contents")
    items = contents if isinstance(contents, list) else [contents]
    texts = [item if isinstance(item, str) else (item or {}).get("value", "") for item in items]
    return "\n".join(texts) or None


def lsp_places(root: Path, result: Any) -> list[tuple[str, int]]:
    """(file, 0-based line) of LSP Location / LocationLink lists."""
    if result is None:
        return []
    items = result if isinstance(result, list) else [result]
    places = []
    for item in items:
        uri = item.get("uri") or item.get("targetUri")
        span = item.get("range") or item.get("targetSelectionRange")
        if uri and span:
            places.append(relative_place(root, uri, span["start"]["line"]))
    return places
