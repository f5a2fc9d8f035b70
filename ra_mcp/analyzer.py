"""The analyzer service: turns what a model asks about (a file and 1-based position, or a symbol
name) into a ready rust-analyzer workspace and an LSP position, and LSP answers into our models.
Knows nothing of MCP."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types as lsp

from cargo_mcp.calls import CargoService
from rust_mcp.core.errors import Refusal
from rust_mcp.core.processes import processes_in_group, resident_mb
from rust_mcp.core.roots import AllowedRoots

from .lsp import AnalyzerRequestFailed
from .models import AnalyzerStatus, SourceLocation, WorkspaceChoice, WorkspaceStatus
from .positions import SourceCache, from_lsp, to_lsp, uri_to_path
from .symbol_paths import (
    Segments,
    WantedPath,
    container_fits,
    crate_aliases,
    hover_path,
    module_path_of_file,
    path_matches,
)
from .workspaces import ProgressCallback, Workspace, WorkspacePool

T = TypeVar("T")
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SYMBOL_PATH = re.compile(r"(?:r#)?[A-Za-z_][A-Za-z0-9_]*(?:::(?:r#)?[A-Za-z_][A-Za-z0-9_]*)*")
MAX_CANDIDATES = 12
MAX_RESOLVED = 40  # candidates resolved one by one (definition, hover); more are listed as they are


@dataclass(frozen=True)
class TargetSpec:
    """Where a position tool should look: a file and position, a symbol name, or a line and a name."""

    file_path: str | None = None
    line: int | None = None
    column: int | None = None
    symbol: str | None = None
    workspace: str | None = None


@dataclass(frozen=True)
class Target:
    root: Path
    path: Path
    position: lsp.Position
    label: str

    @property
    def document(self) -> lsp.TextDocumentIdentifier:
        return lsp.TextDocumentIdentifier(uri=self.path.as_uri())


class AnalyzerService:
    def __init__(
        self,
        roots: AllowedRoots,
        pool: WorkspacePool,
        std_warning: str | None = None,
        cargo: CargoService | None = None,
    ) -> None:
        self.roots = roots
        self.pool = pool
        self.sources = SourceCache()
        self.std_warning = std_warning
        self.cargo = cargo  # runs clippy for the unsafe audit

    # -- paths ----------------------------------------------------------------------------------

    def rust_file(self, raw: str, base: Path | None) -> Path:
        path = self.roots.confine(raw, base)
        if not path.exists():
            raise Refusal(f"file {raw!r} does not exist")
        if path.is_dir():
            raise Refusal(f"{raw!r} is a directory; pass a Rust source file (.rs)")
        if path.suffix != ".rs":
            raise Refusal(f"{raw!r} is not a Rust source file (.rs); rust-analyzer answers about .rs files")
        return path

    def workspace_root(self, raw: str | None, default: Path | None) -> Path:
        """The rust-analyzer workspace for a `workspace` argument, the connection's default, or the
        server's first root."""
        if raw is not None:
            directory = self.roots.confine(raw, default)
            if not directory.exists():
                raise Refusal(f"workspace {raw!r} does not exist")
        else:
            directory = default or self.roots.default
        return self.pool.root_for(directory)

    def file_base(self, workspace: str | None, default: Path | None) -> Path | None:
        """Where a relative file_path starts: the call's own `workspace` when it has one, else the
        connection's default."""
        if workspace is None:
            return default
        directory = self.roots.confine(workspace, default)
        return directory if directory.is_dir() else directory.parent

    def display(self, path: Path, root: Path) -> str:
        text, prefix = str(path), str(root) + os.sep
        return text[len(prefix) :] if text.startswith(prefix) else text

    def location(
        self,
        uri: str,
        span: lsp.Range,
        root: Path,
        *,
        name: str | None = None,
        kind: str | None = None,
        container: str | None = None,
    ) -> SourceLocation:
        path = uri_to_path(uri)
        line, column = from_lsp(span.start)
        end_line, end_column = from_lsp(span.end)
        try:
            text = self.sources.get(path).line_text(line).strip()
        except Refusal:
            text = ""
        return SourceLocation(
            path=self.display(path, root),
            line=line,
            column=column,
            end_line=end_line,
            end_column=end_column,
            text=text[:300],
            name=name,
            kind=kind,
            container=container,
        )

    def body(self, uri: str, span: lsp.Range, limit: int) -> str:
        source = self.sources.get(uri_to_path(uri))
        lines = source.lines[span.start.line : span.end.line + 1]
        text = "\n".join(lines)
        return text if len(text) <= limit else text[:limit] + f"\n[... {len(text) - limit} more characters]"

    # -- state ----------------------------------------------------------------------------------

    def workspace_status(self, workspace: Workspace) -> WorkspaceStatus:
        client = workspace.client
        pid = client.pid
        return WorkspaceStatus(
            root=str(workspace.root),
            pid=pid,
            alive=client.alive,
            health=client.state.health,
            quiescent=client.state.quiescent,
            activity=workspace.state_text,
            uptime_seconds=round(time.monotonic() - client.started_at, 1),
            restarts=workspace.restarts,
            restart_reason=workspace.restart_reason,
            last_panic=client.state.last_panic,
            rss_mb=round(resident_mb(processes_in_group(pid)), 1) if pid and client.alive else None,
            flycheck_runs=client.state.flycheck_ended,
            recent_messages=list(client.state.messages)[-5:],
        )

    def status(self, default: Path | None) -> AnalyzerStatus:
        return AnalyzerStatus(
            rust_analyzer=self.pool.analyzer.path,
            version=self.pool.analyzer.version,
            crashes=self.pool.crashes,
            workspaces=[self.workspace_status(w) for w in self.pool.workspaces.values()],
            default_workspace=str(default) if default else None,
            std_sources_warning=self.std_warning,
        )

    async def choose_workspace(
        self, raw: str, default: Path | None, report: ProgressCallback | None
    ) -> tuple[Path, WorkspaceChoice]:
        root = self.workspace_root(raw, default)

        async def operation(workspace: Workspace) -> WorkspaceChoice:
            return WorkspaceChoice(
                workspace=str(workspace.root),
                status=self.workspace_status(workspace),
                note="rust-analyzer is ready; tools without file_path or workspace now use this workspace",
            )

        return root, await self.run(root, operation, report)

    # -- running --------------------------------------------------------------------------------

    async def run(
        self, root: Path, operation: Callable[[Workspace], Awaitable[T]], report: ProgressCallback | None
    ) -> T:
        try:
            return await self.pool.run(root, operation, report)
        except AnalyzerRequestFailed as exc:
            if exc.panicked:
                raise Refusal(
                    f"{exc}. rust-analyzer was restarted and the request tried again, and it panicked again: "
                    "this question trips a bug in rust-analyzer. Other questions are not affected; "
                    "rust_analyzer_status shows the panic"
                ) from exc
            workspace = self.pool.workspaces.get(root)
            state = workspace.client.state if workspace is not None else None
            if state is not None and state.health == "error" and state.status_message:
                raise Refusal(f"{exc}. rust-analyzer could not load {root}: {state.status_message}") from exc
            raise Refusal(str(exc)) from exc

    def root_of_spec(self, spec: TargetSpec, default: Path | None) -> Path:
        if spec.file_path is not None:
            return self.pool.root_for(self.rust_file(spec.file_path, self.file_base(spec.workspace, default)))
        if spec.symbol is None:
            raise Refusal("pass file_path with line and column, or a symbol name such as `Point::norm2`")
        return self.workspace_root(spec.workspace, default)

    async def target(self, workspace: Workspace, spec: TargetSpec, default: Path | None) -> Target:
        """Resolve a TargetSpec inside a ready workspace."""
        base = self.file_base(spec.workspace, default)
        path = self.rust_file(spec.file_path, base) if spec.file_path is not None else None
        if path is not None and spec.line is not None and spec.column is not None:
            source = self.sources.get(path)
            position = to_lsp(source, spec.line, spec.column)
            label = f"{self.display(path, workspace.root)}:{spec.line}:{spec.column}"
            return Target(workspace.root, path, position, label)
        if spec.symbol is None:
            missing = "column" if spec.line is not None else "line and column"
            raise Refusal(f"pass {missing} (1-based) for {spec.file_path}, or a `symbol` name instead")
        symbol = spec.symbol.strip()
        if not SYMBOL_PATH.fullmatch(symbol):
            raise Refusal(f"symbol {spec.symbol!r} is not a Rust path such as `Point::norm2` or `total_area`")
        if path is not None and spec.line is not None:
            return self._name_on_line(workspace, path, spec.line, symbol)
        return await self._find_symbol(workspace, symbol, path)

    def _name_on_line(self, workspace: Workspace, path: Path, line: int, symbol: str) -> Target:
        source = self.sources.get(path)
        to_lsp(source, line, 1)  # checks the line exists
        name = symbol.split("::")[-1].removeprefix("r#")
        text = source.line_text(line)
        code = _code_only(text)
        for match in WORD.finditer(code):
            if match.group(0) == name:
                position = lsp.Position(line=line - 1, character=match.start())
                label = f"{self.display(path, workspace.root)}:{line}:{match.start() + 1} ({name})"
                return Target(workspace.root, path, position, label)
        raise Refusal(
            f"`{name}` does not occur on line {line} of {self.display(path, workspace.root)}: "
            f"{text.strip()!r}"
        )

    async def _find_symbol(self, workspace: Workspace, symbol: str, path: Path | None) -> Target:
        """The one item `symbol` names: candidates by name (and by the whole path, which
        rust-analyzer also understands), each re-export resolved to the item it points to, then
        kept when the qualifiers fit a path the item is known by (generics, crates and modules)."""
        wanted = WantedPath.parse(symbol)
        client = workspace.client
        found: list[Any] = []
        for query in dict.fromkeys([wanted.name, symbol] if wanted.qualifiers else [wanted.name]):
            found += await client.request(lsp.WORKSPACE_SYMBOL, lsp.WorkspaceSymbolParams(query=query)) or []
        exact = list(
            {
                (s.location.uri, s.location.range.start.line, s.location.range.start.character): s
                for s in found
                if s.name == wanted.name and isinstance(s.location, lsp.Location)
            }.values()
        )
        if path is not None:
            exact = [s for s in exact if uri_to_path(s.location.uri) == path]
        if wanted.qualifiers and len(exact) > MAX_RESOLVED:
            exact = [
                s for s in exact if container_fits(getattr(s, "container_name", None), wanted.qualifiers)
            ]
        if len(exact) > MAX_RESOLVED:
            candidates = [_Item(s.location.uri, s.location.range, [], _qualified(s)) for s in exact]
        else:
            candidates = await self._resolve(workspace, exact, with_paths=bool(wanted.qualifiers))
        if wanted.qualifiers:
            aliases = crate_aliases(workspace.root)
            candidates = [c for c in candidates if path_matches(wanted.qualifiers, c.known_as, aliases)]
        if len(candidates) > 1:
            local = [c for c in candidates if uri_to_path(c.uri).is_relative_to(workspace.root)]
            candidates = local or candidates
        if len(candidates) == 1:
            chosen = candidates[0]
            location = self.location(chosen.uri, chosen.span, workspace.root)
            label = f"{symbol} ({location.path}:{location.line}:{location.column})"
            return Target(workspace.root, uri_to_path(chosen.uri), chosen.span.start, label)
        if not candidates:
            near = sorted({_qualified(s) for s in found})[:MAX_CANDIDATES]
            hint = f"; similar names: {', '.join(near)}" if near else ""
            where = f" in {self.display(path, workspace.root)}" if path else ""
            raise Refusal(f"no symbol named `{symbol}`{where} in workspace {workspace.root}{hint}")
        listed = [
            f"{c.label} at {self.location(c.uri, c.span, workspace.root).path}:{c.span.start.line + 1}"
            for c in candidates[:MAX_CANDIDATES]
        ]
        raise Refusal(
            f"symbol `{symbol}` is ambiguous ({len(candidates)} matches): {'; '.join(listed)}. "
            "Qualify it (e.g. `Type::method` or `crate::module::name`), add file_path, or pass file_path "
            "with line and column"
        )

    async def _resolve(self, workspace: Workspace, symbols: list[Any], with_paths: bool) -> list[_Item]:
        """One entry per item: a `pub use` is resolved (go to definition) to the item it re-exports
        and merged with it. With `with_paths`, each item carries the paths it is known by: its
        canonical path (hover's first line) and the module path of every re-export."""
        items: dict[tuple[str, int, int], _Item] = {}
        for symbol in symbols:
            uri, span = symbol.location.uri, symbol.location.range
            answer = await workspace.client.request(
                lsp.TEXT_DOCUMENT_DEFINITION,
                lsp.DefinitionParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=span.start),
            )
            targets = [
                a for a in (answer if isinstance(answer, list) else [answer]) if isinstance(a, lsp.Location)
            ]
            if len(targets) == 1:
                uri, span = targets[0].uri, targets[0].range
            key = (uri, span.start.line, span.start.character)
            reexport = key != (
                symbol.location.uri,
                symbol.location.range.start.line,
                symbol.location.range.start.character,
            )
            item = items.get(key)
            if item is None:
                item = items[key] = _Item(uri, span, [], _qualified(symbol))
                if with_paths:
                    hover = await workspace.client.request(
                        lsp.TEXT_DOCUMENT_HOVER,
                        lsp.HoverParams(
                            text_document=lsp.TextDocumentIdentifier(uri=uri), position=span.start
                        ),
                    )
                    markdown = (
                        hover.contents.value
                        if hover and isinstance(hover.contents, lsp.MarkupContent)
                        else ""
                    )
                    canonical = hover_path(markdown)
                    if canonical is not None:
                        item.known_as.append(canonical)
                        item.label = "::".join((*canonical, symbol.name))
            if with_paths and reexport:
                place = module_path_of_file(uri_to_path(symbol.location.uri), workspace.root)
                if place is not None:
                    item.known_as.append(place)
        return list(items.values())


@dataclass
class _Item:
    """One candidate item for a symbol path: where it is defined and the paths it is known by."""

    uri: str
    span: lsp.Range
    known_as: list[Segments]
    label: str


def _code_only(line: str) -> str:
    """The line with string and char literal contents and any trailing // comment blanked out (same
    length, so columns still match), so a name is found where it is code, not where it is text."""
    out = list(line)
    quote: str | None = None
    index = 0
    while index < len(line):
        char = line[index]
        if quote is None:
            if line.startswith("//", index):
                out[index:] = " " * (len(line) - index)
                break
            if char == '"' or (char == "'" and line[index + 2 : index + 3] == "'"):
                quote = char
        elif char == "\\":
            out[index] = " "
            if index + 1 < len(line):
                out[index + 1] = " "
            index += 2
            continue
        elif char == quote:
            quote = None
        else:
            out[index] = " "
        index += 1
    return "".join(out)


def _qualified(symbol: lsp.SymbolInformation | lsp.WorkspaceSymbol) -> str:
    container = getattr(symbol, "container_name", None)
    return f"{container}::{symbol.name}" if container else symbol.name
