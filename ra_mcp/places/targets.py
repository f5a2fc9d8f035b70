"""A position as tools take it (a file with a 1-based line and column, or a symbol's name), the place
it resolves to before anything starts, and the LSP position (`Target`) it becomes in its ready
workspace. A call resolves them (tools/mcp_adapter.py): a file, line and column with
places/positions.py, a symbol name with the service (rust-analyzer's index)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..lsp.lazy_types import lsp


class PositionQuery(Protocol):
    """A position as a tool takes it: a file with a 1-based line and column, or a symbol's name (which
    a file, or a file and line, narrows), and the workspace to look in."""

    @property
    def file_path(self) -> str | None: ...

    @property
    def line(self) -> int | None: ...

    @property
    def column(self) -> int | None: ...

    @property
    def symbol(self) -> str | None: ...

    @property
    def workspace(self) -> str | None: ...


@dataclass(frozen=True)
class Place:
    """A position query with its file resolved (once, before anything starts) and the root of the
    workspace that answers it."""

    root: Path
    path: Path | None
    query: PositionQuery


@dataclass(frozen=True)
class Target:
    root: Path
    path: Path
    position: lsp.Position
    label: str

    @property
    def document(self) -> lsp.TextDocumentIdentifier:
        return lsp.TextDocumentIdentifier(uri=self.path.as_uri())
