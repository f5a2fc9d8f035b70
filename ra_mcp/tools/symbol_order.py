"""In which order symbols found by name are listed: exact names first, and of one name the items
themselves before the `use` declarations that re-export them.

rust-analyzer's workspace/symbol lists a re-export (`pub use self::shared::{Shared, WeakShared};`)
as a symbol of the item's kind, beside the item; ordered by path alone, futures-util's `mod.rs`
re-exports came before `shared.rs`, where `Shared` is defined. Only names listed more than once are
looked at, so the lines read are those of ties.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

from rust_mcp.core import budgets

from ..lsp.answers import Symbol

# a `use` item's first line: `use`, `pub use`, `pub(crate) use`, `pub(in some::path) use`
USE_LINE = re.compile(r"\s*(?:pub\s*(?:\([^)]*\))?\s*)?use\b")


class LineReader(Protocol):
    def line_text(self, uri: str, line: int) -> str: ...


def is_use_line(text: str) -> bool:
    return USE_LINE.match(text) is not None


def exact_names_first(found: Sequence[Symbol], query: str, lines: LineReader) -> list[Symbol]:
    """`found` ordered: exact name, then same name ignoring case, then by name; of one name the
    definitions before the re-exports; then by path and line."""
    counts = Counter(s.name for s in found)

    def reexport(s: Symbol) -> bool:
        return counts[s.name] > 1 and is_use_line(lines.line_text(s.uri, s.range.start.line + 1))

    def key(s: Symbol) -> tuple[bool, bool, str, bool, str, int]:
        return (
            s.name != query,
            s.name.lower() != query.lower(),
            s.name,
            reexport(s),
            s.uri,
            s.range.start.line,
        )

    return sorted(found, key=key)


def search_cut_note(answered: int, kept: int) -> str | None:
    """What to say when rust-analyzer's answer reached its search limit: the total is a floor. On
    futures-util, `poll` matches 599 symbols; the answer said "248 found" and paged through those."""
    if answered < budgets.SYMBOL_SEARCH_LIMIT:
        return None
    return (
        f"rust-analyzer lists at most {budgets.SYMBOL_SEARCH_LIMIT} matches, so there may be more than "
        f"{kept}: narrow the query (a longer name, or `Type::name`)"
    )
