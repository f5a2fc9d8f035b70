"""The analyzer service: turns what a model asks about (a file and 1-based position, or a symbol
name) into a ready rust-analyzer workspace and an LSP position, and LSP answers into our models.
Knows nothing of MCP."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from lsprotocol import types as lsp

from rust_mcp.core import budgets
from rust_mcp.core.cargo_helpers import CargoHelpers
from rust_mcp.core.containment import cargo_home
from rust_mcp.core.errors import Refusal
from rust_mcp.core.lexing import code_mask
from rust_mcp.core.processes import processes_in_group, resident_mb
from rust_mcp.core.read_scope import ReadScope
from rust_mcp.core.roots import AllowedRoots

from .lsp import AnalyzerRequestFailed
from .models import AnalyzerStatus, SourceLocation, WorkspaceChoice, WorkspaceStatus
from .positions import SourceCache, from_lsp, to_lsp, uri_to_path
from .shown_paths import ShownPaths
from .workspaces import ProgressCallback, Workspace, WorkspacePool

T = TypeVar("T")
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SYMBOL_PATH = re.compile(r"(?:r#)?[A-Za-z_][A-Za-z0-9_]*(?:::(?:r#)?[A-Za-z_][A-Za-z0-9_]*)*")


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

    @property
    def plain_params(self) -> dict[str, Any]:
        """The document and position as rust-analyzer's own (non-LSP) requests take them: plain JSON."""
        position = {"line": self.position.line, "character": self.position.character}
        return {"textDocument": {"uri": self.document.uri}, "position": position}


class AnalyzerService:
    def __init__(
        self,
        roots: AllowedRoots,
        pool: WorkspacePool,
        std_warning: str | None = None,
        cargo: CargoHelpers | None = None,
        scope: ReadScope | None = None,
    ) -> None:
        self.roots = roots
        self.pool = pool
        self.scope = scope or ReadScope.for_roots(roots, cargo_home())
        self.sources = SourceCache(self.scope)
        self.paths = ShownPaths(self.scope)  # which locations answers show, and how they are written
        self.std_warning = std_warning
        self.cargo = cargo  # toolchains, containment and fetch for the audit's clippy run

    # -- paths ----------------------------------------------------------------------------------

    def rust_file(self, raw: str, base: Path | None) -> Path:
        path = self.roots.confine(raw, base)
        if not path.exists():
            raise Refusal(f"file {raw!r} does not exist")
        if path.is_dir():
            raise Refusal(f"{raw!r} is a directory; pass a Rust source file (.rs)")
        if path.suffix != ".rs":
            raise Refusal(f"{raw!r} is not a Rust source file (.rs); rust-analyzer answers about .rs files")
        if (size := path.stat().st_size) > (limit := budgets.MAX_SYNC_BYTES):
            raise Refusal(f"{raw!r} is {size} bytes; files over {limit} bytes are not analysed")
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

    def display(self, path: Path, root: Path) -> str:
        return self.paths.label(path, root)

    def shown(self, uri: str) -> bool:
        """Whether an answer may show this place (inside the roots, or std sources / registry)."""
        return self.paths.allows(uri)

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
            text=text[: budgets.SOURCE_LINE_LIMIT],
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
            rss_mb=round(resident_mb(processes_in_group(pid)), 1) if pid and client.alive else None,
            flycheck_runs=client.state.flycheck_ended,
            recent_messages=list(client.state.messages)[-budgets.RECENT_MESSAGES :],
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
            raise Refusal(str(exc)) from exc

    def place(self, spec: PositionQuery, default: Path | None) -> Place:
        """Where a position tool looks: the file resolved, and the workspace that answers."""
        if spec.file_path is not None:
            path = self.rust_file(spec.file_path, default)
            return Place(self.pool.root_for(path), path, spec)
        if spec.symbol is None:
            raise Refusal("pass file_path with line and column, or a symbol name such as `Point::norm2`")
        return Place(self.workspace_root(spec.workspace, default), None, spec)

    async def target(self, workspace: Workspace, place: Place) -> Target:
        """The LSP position of a Place inside its ready workspace."""
        spec, path = place.query, place.path
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
        code = code_mask(text)
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
        segments = [s.removeprefix("r#") for s in symbol.split("::")]
        name = segments[-1]
        answered = await workspace.client.request(lsp.WORKSPACE_SYMBOL, lsp.WorkspaceSymbolParams(query=name))
        found, _ = self.paths.keep(answered or [], lambda s: getattr(s.location, "uri", ""))
        exact = [s for s in found if s.name == name and isinstance(s.location, lsp.Location)]
        if path is not None:
            exact = [s for s in exact if uri_to_path(s.location.uri) == path]
        candidates = [s for s in exact if _matches_qualifiers(s, segments[:-1])]
        if len(candidates) > 1:
            local = [s for s in candidates if uri_to_path(s.location.uri).is_relative_to(workspace.root)]
            candidates = local or candidates
        if len(candidates) == 1:
            chosen = candidates[0]
            location = self.location(chosen.location.uri, chosen.location.range, workspace.root)
            label = f"{symbol} ({location.path}:{location.line}:{location.column})"
            return Target(
                workspace.root, uri_to_path(chosen.location.uri), chosen.location.range.start, label
            )
        if not candidates:
            near = sorted({_qualified(s) for s in (found or [])})[: budgets.SYMBOL_CANDIDATES]
            hint = f"; similar names: {', '.join(near)}" if near else ""
            where = f" in {self.display(path, workspace.root)}" if path else ""
            raise Refusal(f"no symbol named `{symbol}`{where} in workspace {workspace.root}{hint}")
        listed = [
            f"{_qualified(s)} at {self.location(s.location.uri, s.location.range, workspace.root).path}:"
            f"{s.location.range.start.line + 1}"
            for s in candidates[: budgets.SYMBOL_CANDIDATES]
        ]
        raise Refusal(
            f"symbol `{symbol}` is ambiguous ({len(candidates)} matches): {'; '.join(listed)}. "
            "Qualify it (e.g. `Type::method`), add file_path, or pass file_path with line and column"
        )


def _qualified(symbol: lsp.SymbolInformation | lsp.WorkspaceSymbol) -> str:
    container = getattr(symbol, "container_name", None)
    return f"{container}::{symbol.name}" if container else symbol.name


def _matches_qualifiers(symbol: Any, qualifiers: Sequence[str]) -> bool:
    """`Point::norm2` matches a symbol whose container is Point; `geometry::shapes::total_area`
    matches by container or by the crate and module names in its path."""
    if not qualifiers:
        return True
    container = getattr(symbol, "container_name", None)
    if container == qualifiers[-1]:
        return True
    parts = set(uri_to_path(symbol.location.uri).with_suffix("").parts)
    return all(q in parts or q.replace("_", "-") in parts for q in qualifiers)
