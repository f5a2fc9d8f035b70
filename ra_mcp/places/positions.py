"""Positions as models and people write them: 1-based line and column, columns counted in characters,
in a `file_path` confined to the roots.

rust-analyzer is asked for utf-32 positions, which count code points: exactly Python's string
indices. So converting is `- 1` and `+ 1`, and slicing a line with a column is always right.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from rust_mcp.core.budgets import MAX_SOURCE_BYTES, MAX_SYNC_BYTES
from rust_mcp.core.errors import Refusal
from rust_mcp.core.roots import AllowedRoots, ReadScope

from ..lsp.lazy_types import lsp
from .targets import Target

MAX_CACHED_BYTES = 256 * 1024 * 1024  # of files kept by one session (held_bytes), at most
LINE_OVERHEAD = 56  # bytes a line costs as a str of its own, beyond its characters (CPython)


@dataclass(frozen=True)
class SourceText:
    path: Path
    text: str
    lines: tuple[str, ...]
    stamp: tuple[int, int]

    def line_text(self, line: int) -> str:
        """The 1-based line, or '' past the end."""
        return self.lines[line - 1] if 1 <= line <= len(self.lines) else ""


def held_bytes(source: SourceText) -> int:
    """What a kept file costs in memory, about: its text, and each line as a string of its own."""
    return len(source.text) + LINE_OVERHEAD * len(source.lines)


class SourceCache:
    """File contents keyed by (mtime, size): re-read only when the file changed on disk. Only files
    the read scope allows are read (the roots, std sources, the registry), never through a link.
    The files shown least recently go once the cache holds over MAX_CACHED_BYTES: a project can
    make many files of many short lines (16 MiB of them cost 320 MB as lines), and a session shows
    files for as long as it lives, in an engine shared by every session."""

    def __init__(self, scope: ReadScope) -> None:
        self.scope = scope
        self._entries: OrderedDict[Path, SourceText] = OrderedDict()
        self.held = 0  # held_bytes of the kept files

    def get(self, path: Path) -> SourceText:
        try:
            info = os.stat(path)
        except OSError as exc:
            raise Refusal(f"cannot read {path}: {exc.strerror}") from exc
        stamp = (info.st_mtime_ns, info.st_size)
        cached = self._entries.get(path)
        if cached is not None and cached.stamp == stamp:
            self._entries.move_to_end(path)
            return cached
        if info.st_size > MAX_SOURCE_BYTES:
            raise Refusal(f"{path} is {info.st_size} bytes; files over {MAX_SOURCE_BYTES} bytes are not read")
        text = self.scope.read(path, MAX_SOURCE_BYTES).decode("utf-8", errors="replace")
        entry = SourceText(path, text, tuple(text.split("\n")), stamp)
        self.forget(path)
        self._entries[path] = entry
        self.held += held_bytes(entry)
        while self.held > MAX_CACHED_BYTES and len(self._entries) > 1:
            self.forget(next(iter(self._entries)))
        return entry

    def forget(self, path: Path) -> None:
        gone = self._entries.pop(path, None)
        if gone is not None:
            self.held -= held_bytes(gone)


def to_lsp(source: SourceText, line: int, column: int) -> lsp.Position:
    """A checked 1-based (line, column) as an LSP position; past the end is refused with the bounds."""
    count = len(source.lines)
    if line < 1 or line > count:
        raise Refusal(f"line {line} is outside {source.path.name}, which has lines 1 to {count}")
    width = len(source.lines[line - 1])
    if column < 1 or column > width + 1:
        raise Refusal(
            f"column {column} is outside line {line} of {source.path.name}, which has columns 1 to "
            f"{width + 1} "
            "(columns count characters, starting at 1)"
        )
    return lsp.Position(line=line - 1, character=column - 1)


def rust_file(roots: AllowedRoots, raw: str, base: Path | None) -> Path:
    """A `file_path` argument confined to the roots (a relative one starts at `base`): an existing Rust
    source file of at most MAX_SYNC_BYTES; anything else is refused, naming the value."""
    path = roots.confine(raw, base)
    if not path.exists():
        looked = "" if str(path) == raw else f" (looked for {path})"
        raise Refusal(f"file {raw!r} does not exist{looked}")
    if path.is_dir():
        raise Refusal(f"{raw!r} is a directory; pass a Rust source file (.rs)")
    if path.suffix != ".rs":
        raise Refusal(f"{raw!r} is not a Rust source file (.rs); rust-analyzer answers about .rs files")
    if (size := path.stat().st_size) > (limit := MAX_SYNC_BYTES):
        raise Refusal(f"{raw!r} is {size} bytes; files over {limit} bytes are not analysed")
    return path


def file_base(roots: AllowedRoots, workspace: str | None, default: Path | None) -> Path | None:
    """Where a relative file_path starts: the call's own `workspace` when it has one, else the
    connection's default."""
    if workspace is None:
        return default
    directory = roots.confine(workspace, default)
    return directory if directory.is_dir() else directory.parent


def line_column_target(
    sources: SourceCache, scope: ReadScope, root: Path, path: Path, line: int, column: int
) -> Target:
    """A position written as file, 1-based line and column, checked against the file's text, as the
    LSP position it is in the workspace at `root` (a symbol name needs rust-analyzer's index:
    AnalyzerService.symbol_target)."""
    position = to_lsp(sources.get(path), line, column)
    return Target(root, path, position, f"{scope.label(path, root)}:{line}:{column}")


def from_lsp(position: lsp.Position) -> tuple[int, int]:
    return position.line + 1, position.character + 1


def uri_to_path(uri: str) -> Path:
    parsed = urlparse(uri)
    return Path(unquote(parsed.path))


def shown(scope: ReadScope, uri: str) -> bool:
    """Whether an answer may show a place in this file: inside the roots, or in the std sources or
    the registry, every link followed (places/shown_paths.py says why)."""
    return scope.allows(uri_to_path(uri))


def path_to_uri(path: Path) -> str:
    return path.as_uri()


def apply_text_edits(text: str, edits: list[lsp.TextEdit]) -> str:
    """Apply LSP text edits (utf-32 ranges) to `text`; edits must not overlap."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(position: lsp.Position) -> int:
        if position.line >= len(lines):
            return len(text)
        return min(
            starts[position.line] + position.character, starts[position.line] + len(lines[position.line])
        )

    result = text
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = offset(edit.range.start), offset(edit.range.end)
        result = result[:start] + edit.new_text + result[end:]
    return result
