"""The analyzer service: turns what a model asks about (a file and 1-based position, or a symbol
name) into a ready rust-analyzer workspace and an LSP position, and LSP answers into our models.
Knows nothing of MCP."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from rust_mcp.core import budgets
from rust_mcp.core.budgets import ProgressCallback
from rust_mcp.core.cargo_setup_runs import CargoHelpers
from rust_mcp.core.client_policy import PolicyOfCall, no_client_policy
from rust_mcp.core.clipping import keep_start
from rust_mcp.core.errors import Refusal
from rust_mcp.core.lexing import code_mask
from rust_mcp.core.processes import processes_in_group, resident_mb
from rust_mcp.core.roots import AllowedRoots, ReadScope

from .lsp.errors import AnalyzerRequestFailed
from .lsp.lazy_types import lsp
from .lsp.proc_macro_watch import stopped_reason
from .models import AnalyzerStatus, SourceLocation, WorkspaceChoice, WorkspaceStatus
from .places.locator import Locator
from .places.positions import SourceCache, shown, to_lsp, uri_to_path
from .places.symbol_lookup import find_symbol
from .places.targets import Place, Target
from .workspace.pool import WorkspacePool
from .workspace.workspaces import Workspace

T = TypeVar("T")
MAX_NAMED_LINE_CHARS = 64 * 1024  # a line searched for `symbol` (a minified 16 MiB line stalled 22 s)
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SYMBOL_PATH = re.compile(r"(?:r#)?[A-Za-z_][A-Za-z0-9_]*(?:::(?:r#)?[A-Za-z_][A-Za-z0-9_]*)*")


@dataclass(eq=False)  # one per server: compared by identity
class AnalyzerService:
    """What the tools share: the roots, the pool of rust-analyzers, the read scope (the pool's), and
    how answers show paths and source."""

    roots: AllowedRoots
    pool: WorkspacePool
    log_dir: Path  # where whole diffs of cut previews are written
    std_warning: str | None = None
    cargo: CargoHelpers | None = None  # toolchains, containment and fetch for the audit's clippy run
    answer_deadline: float = 240.0  # seconds: every call answers by then (under the client's timeout)
    sources: SourceCache = field(init=False)
    scope: ReadScope = field(init=False)  # the pool's: what answers may read and show

    def __post_init__(self) -> None:
        self.scope = self.pool.scope
        self.sources = SourceCache(self.scope)

    # -- paths ----------------------------------------------------------------------------------

    def workspace_directory(self, raw: str | None, default: Path | None) -> Path:
        """The directory a `workspace` argument names (confined to the roots), else the connection's
        default, else the server's first root."""
        if raw is None:
            return default or self.roots.default
        directory = self.roots.confine(raw, default)
        if not directory.exists():
            raise Refusal(f"workspace {raw!r} does not exist")
        return directory

    def display(self, path: Path, root: Path) -> str:
        return self.scope.label(path, root)

    def shown(self, uri: str) -> bool:
        """Whether an answer may show this place (positions.shown: inside the roots, or std sources /
        registry)."""
        return shown(self.scope, uri)

    def locator(self, root: Path) -> Locator:
        """Builds one answer's locations, resolving each file once."""
        return Locator(self.scope, self.sources, root)

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
        """One location on its own (answers listing many use a `locator`)."""
        return self.locator(root).location(uri, span, name=name, kind=kind, container=container)

    def body(self, uri: str, span: lsp.Range, limit: int) -> str:
        source = self.sources.get(uri_to_path(uri))
        lines = source.lines[span.start.line : span.end.line + 1]
        text = "\n".join(lines)
        return keep_start(text, limit)

    # -- state ----------------------------------------------------------------------------------

    def workspace_status(self, workspace: Workspace) -> WorkspaceStatus:
        client = workspace.client
        pid = client.pid
        limit = self.pool.settings.proc_macro_seconds
        macros = client.state.proc_macros
        stuck = macros.stuck
        note = stopped_reason(stuck, limit) if stuck else macros.notice(time.monotonic(), limit)
        ignored = set(self.pool.stuck.labels(workspace.root)) | ({stuck.label} if stuck else set())
        health = client.state.health if client.alive else "stopped"
        return WorkspaceStatus(
            root=str(workspace.root),
            toolchain=workspace.toolchain,
            pid=pid,
            alive=client.alive,
            health="warning" if note and client.alive else health,
            proc_macro_note=note,
            ignored_proc_macros=sorted(ignored),
            ready=client.alive and client.state.ready_in(time.monotonic()) == 0.0,
            quiescent=client.state.quiescent,
            activity=workspace.state_text,
            uptime_seconds=round(time.monotonic() - client.started_at, 1),
            restarts=workspace.restarts,
            restart_reason=workspace.restart_reason,
            last_panic=client.state.last_panic,
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
        self,
        root: Path,
        report: ProgressCallback | None,
        toolchain: str | None = None,
        policy: PolicyOfCall = no_client_policy,
    ) -> WorkspaceChoice:
        """rust-analyzer ready on the workspace at `root`, started with `toolchain` (under the
        client's `policy`)."""
        if toolchain is not None and self.cargo is not None:
            await self.cargo.toolchains.check_installed(toolchain)  # refused now, listing the installed

        async def operation(workspace: Workspace) -> WorkspaceChoice:
            with_toolchain = f" with toolchain {toolchain}" if toolchain else ""
            return WorkspaceChoice(
                workspace=str(workspace.root),
                toolchain=toolchain,
                status=self.workspace_status(workspace),
                note=f"rust-analyzer is ready{with_toolchain}; tools without file_path or workspace now use "
                "this workspace",
            )

        return await self.run(root, operation, report, toolchain, policy)

    # -- running --------------------------------------------------------------------------------

    async def run(
        self,
        root: Path,
        operation: Callable[[Workspace], Awaitable[T]],
        report: ProgressCallback | None,
        toolchain: str | None = None,
        policy: PolicyOfCall = no_client_policy,
    ) -> T:
        """`operation` in the ready workspace at `root` (pool.run), its failures explained."""
        try:
            return await self.pool.run(root, operation, report, toolchain, policy)
        except (TimeoutError, AnalyzerRequestFailed) as exc:
            explained = self.explain(exc, root, toolchain)
            if explained is None:
                raise
            raise explained from exc

    def explain(
        self, exc: TimeoutError | AnalyzerRequestFailed, root: Path, toolchain: str | None
    ) -> Refusal | None:
        """What a call answers when rust-analyzer timed out or failed in the workspace at `root`: why,
        from what its state says (None: a plain timeout, which the MCP face words)."""
        workspace = self.pool.workspaces.get((root, toolchain))
        if isinstance(exc, TimeoutError):
            limit = self.pool.settings.proc_macro_seconds
            note = workspace.client.state.proc_macros.notice(time.monotonic(), limit) if workspace else None
            if note is None:
                return None
            return Refusal(
                f"rust-analyzer did not answer in time: {note}. Ask again after that; "
                "rust_analyzer_status shows it"
            )
        if exc.panicked:
            return Refusal(
                f"{exc}. rust-analyzer was restarted and the request tried again, and it panicked again: "
                "this question trips a bug in rust-analyzer. Other questions are not affected; "
                "rust_analyzer_status shows the panic"
            )
        state = workspace.client.state if workspace is not None else None
        if state is not None and state.health == "error" and state.status_message:
            return Refusal(f"{exc}. rust-analyzer could not load {root}: {state.status_message}")
        return Refusal(str(exc))

    async def symbol_target(self, workspace: Workspace, place: Place) -> Target:
        """The LSP position of a Place not written as file, line and column (those resolve without
        rust-analyzer: positions.line_column_target): a symbol name, on a line or anywhere."""
        spec, path = place.query, place.path
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
        if len(text) > MAX_NAMED_LINE_CHARS:  # masking runs on the event loop: 1.4 s a MB
            raise Refusal(
                f"line {line} of {self.display(path, workspace.root)} is {len(text)} characters long; "
                f"a symbol is looked up on lines of at most {MAX_NAMED_LINE_CHARS}: pass its column instead"
            )
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
        uri, span, label = await find_symbol(self, workspace, symbol, path)
        return Target(workspace.root, uri_to_path(uri), span.start, label)
