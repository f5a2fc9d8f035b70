"""Locations of one answer, each file resolved once.

An answer of rust-analyzer (references, definitions, symbols, calls) names the same few files over
and over. For each file the URI is parsed, the path judged against the read scope, written as the
answer shows it, and its text fetched from the source cache (one `stat`) once per answer; each
location then only slices its line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from rust_mcp.core import budgets
from rust_mcp.core.clipping import clip_end
from rust_mcp.core.errors import Refusal
from rust_mcp.core.roots import ReadScope

from ..models import SourceLocation
from .positions import SourceCache, SourceText, from_lsp, uri_to_path

if TYPE_CHECKING:
    from ..lsp.lazy_types import lsp

T = TypeVar("T")


@dataclass
class _File:
    path: Path
    shown: bool | None = None  # judged on first need
    label: str | None = None
    source: SourceText | None = None
    read: bool = False  # whether `source` was fetched (None after that: not readable)


class Locator:
    """Builds the locations of one answer for the workspace at `root`."""

    def __init__(self, scope: ReadScope, sources: SourceCache, root: Path) -> None:
        self.scope = scope
        self.sources = sources
        self.root = root
        self._files: dict[str, _File] = {}

    def _file(self, uri: str) -> _File:
        known = self._files.get(uri)
        if known is None:
            known = self._files[uri] = _File(uri_to_path(uri))
        return known

    def shown(self, uri: str) -> bool:
        """Whether the answer may show a place in this file (see shown_paths)."""
        file = self._file(uri)
        if file.shown is None:
            file.shown = self.scope.allows(file.path)
        return file.shown

    def keep(self, items: Iterable[T], uri_of: Callable[[T], str]) -> tuple[list[T], int]:
        """The items whose location may be shown, and how many were left out."""
        kept: list[T] = []
        left_out = 0
        for item in items:
            if self.shown(uri_of(item)):
                kept.append(item)
            else:
                left_out += 1
        return kept, left_out

    def label(self, uri: str) -> str:
        """The file's path as answers write it."""
        file = self._file(uri)
        if file.label is None:
            file.label = self.scope.label(file.path, self.root)
        return file.label

    def order(self, uri: str, start: lsp.Position) -> tuple[str, int, int]:
        """Where a place sorts in an answer: by the file as answers write it, then line and column.
        Not by URI: std's URI depends on where the machine keeps its sources (/root/.rustup or
        /usr/lib), so a callee in std came before the workspace's places on one machine, after on another."""
        return (self.label(uri), start.line, start.character)

    def line_text(self, uri: str, line: int) -> str:
        """The 1-based line of the file, '' when the file cannot be read or is shorter."""
        file = self._file(uri)
        if not file.read:
            file.read = True
            try:
                file.source = self.sources.get(file.path)
            except Refusal:
                file.source = None
        return file.source.line_text(line) if file.source is not None else ""

    def location(
        self,
        uri: str,
        span: lsp.Range,
        *,
        name: str | None = None,
        kind: str | None = None,
        container: str | None = None,
    ) -> SourceLocation:
        line, column = from_lsp(span.start)
        end_line, end_column = from_lsp(span.end)
        text = self.line_text(uri, line).strip()
        return SourceLocation(
            path=self.label(uri),
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column,
            text=text[: budgets.SOURCE_LINE_LIMIT],
            name=None if name is None else clip_end(name, budgets.NAME_LIMIT),
            kind=kind,
            container=None if container is None else clip_end(container, budgets.NAME_LIMIT),
        )
