"""Long answers in pages: the caller ranks the items (most useful first); a page takes them from
`offset` up to `limit` items or until their structured JSON would pass the page budget, whichever
comes first, and says exactly how many are left and which `offset` returns them. The same question
with the same offset gives the same page while the code is unchanged."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel
from pydantic_core import PydanticSerializationError

from . import budgets

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    offset: int
    total: int

    @property
    def end(self) -> int:
        return self.offset + len(self.items)

    @property
    def next_offset(self) -> int | None:
        return self.end if self.end < self.total else None

    def note(self, what: str) -> str | None:
        """What the page holds and how to get the rest; None when it holds everything."""
        if self.offset == 0 and self.next_offset is None:
            return None
        if not self.items:
            return f"{self.total} {what}; offset={self.offset} is past the end"
        listed = f"{what} {self.offset + 1}-{self.end} of {self.total} listed"
        if self.next_offset is None:
            return listed
        return f"{listed}; {self.total - self.end} more: call again with offset={self.end}"


NEXT_PAGE = re.compile(r"call again with offset=(\d+)")


def next_page_offset(note: str | None) -> int | None:
    """The offset a page's note (Page.note) says to call again with; None on the last page."""
    found = NEXT_PAGE.search(note or "")
    return int(found.group(1)) if found else None


def json_size(item: BaseModel) -> int:
    """The length of `item`'s JSON (defaults left out). A name that is not UTF-8 (held as lone
    surrogates, shown escaped in the answer) cannot be encoded: it is measured unencoded."""
    try:
        return len(item.model_dump_json(exclude_defaults=True))
    except PydanticSerializationError:
        return len(json.dumps(item.model_dump(mode="json", exclude_defaults=True)))


def take_page(
    items: Sequence[T],
    offset: int,
    limit: int,
    size: Callable[[T], int],
    budget: int = budgets.PAGE_ITEMS_BUDGET,
) -> Page[T]:
    """items[offset:] up to `limit` of them and `budget` characters of their JSON (at least one)."""
    chosen: list[T] = []
    used = 0
    for item in items[offset : offset + limit]:
        cost = size(item)
        if chosen and used + cost > budget:
            break
        chosen.append(item)
        used += cost
    return Page(chosen, offset, len(items))
