"""Result models for ra_mcp. Positions are 1-based lines and columns counted in characters."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SourceLocation(BaseModel):
    path: str = Field(description="Relative to the workspace root when inside it, else absolute")
    line: int
    column: int
    end_line: int
    end_column: int
    text: str = Field(default="", description="The source line at `line`, trimmed")
    name: str | None = None
    kind: str | None = None
    container: str | None = None


class LocationList(BaseModel):
    query: str
    locations: list[SourceLocation]
    total: int
    note: str | None = None
    bodies: list[str] | None = Field(default=None, description="Source of each location's item, on request")


class ReferenceGroup(BaseModel):
    path: str
    count: int
    locations: list[SourceLocation]


class ReferenceResult(BaseModel):
    query: str
    total: int
    files: int
    groups: list[ReferenceGroup]
    note: str | None = None


class HoverResult(BaseModel):
    query: str
    found: bool
    markdown: str = ""
    note: str | None = None


class SymbolNode(BaseModel):
    name: str
    kind: str
    detail: str | None = None
    line: int
    column: int
    end_line: int
    depth: int = Field(default=0, description="0 for a file's top-level items, 1 inside one, ...")
    parent: str | None = Field(
        default=None, description="What encloses this item when the page starts inside it"
    )
    children: list[SymbolNode] = Field(default_factory=list)
    body: str | None = None


class SymbolOutline(BaseModel):
    path: str
    symbols: list[SymbolNode]
    total: int = Field(description="Symbols in the file, nested ones included (what `offset` counts)")
    note: str | None = None


class CompletionEntry(BaseModel):
    label: str
    kind: str | None = None
    detail: str | None = None


class CompletionList(BaseModel):
    query: str
    items: list[CompletionEntry]
    total: int
    note: str | None = None


class AnalyzerDiagnostic(BaseModel):
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    severity: str
    code: str | None = None
    source: str = Field(description="rust-analyzer (its own analysis) or rustc/clippy (cargo check)")
    message: str
    related: list[str] = Field(
        default_factory=list, description="Secondary spans and help, as path:line: text"
    )
    confirmed: bool = Field(
        default=True,
        description="False for rust-analyzer's own finding that cargo check does not report (or no "
        "check ran): possibly a rust-analyzer mistake, never counted",
    )


class DiagnosticCounts(BaseModel):
    errors: int = 0
    warnings: int = 0
    information: int = 0
    hints: int = 0
    unconfirmed: int = Field(default=0, description="rust-analyzer-only findings, not in the counts above")


ANALYZER_CHECK = "cargo check --workspace --all-targets"  # rust-analyzer's check (its defaults)


class DiagnosticReport(BaseModel):
    scope: str
    diagnostics: list[AnalyzerDiagnostic]
    counts: DiagnosticCounts
    files_checked: int
    check_ran: bool = Field(
        description="True when a cargo check (flycheck) finished for the files as they are now"
    )
    check_command: str | None = Field(
        default=None,
        description="The check the findings come from, when one ran or runs: rust-analyzer's, over the "
        "whole workspace and every target (tests, benches, examples), wider than cargo_check's default",
    )
    check_running: bool = Field(
        default=False,
        description="True when the check was still running at the answer deadline: the findings are "
        "partial; it goes on, and the next call joins it",
    )
    check_error: str | None = Field(
        default=None,
        description="Why cargo check could not run or did not finish (cargo's own reason); the counts "
        "are then rust-analyzer's own analysis only",
    )
    note: str | None = None


class FileDiff(BaseModel):
    path: str
    action: str = Field(description="edit, create or delete")
    added: int = 0
    removed: int = 0
    diff: str = Field(description="Unified diff, its first hunks when long")
    omitted_lines: int = Field(default=0, description="Diff lines left out of `diff`")


class EditResult(BaseModel):
    title: str
    applied: bool
    files: list[FileDiff] = Field(description="A page of the changed files (see note for the rest)")
    total_files: int = 0
    added: int = 0
    removed: int = 0
    full_diff: str | None = Field(default=None, description="File with the whole diff, when this is cut")
    note: str | None = None


class CodeActionItem(BaseModel):
    index: int
    title: str
    kind: str | None = None
    preferred: bool = False


class CodeActionList(BaseModel):
    query: str
    actions: list[CodeActionItem]
    note: str | None = None


class CallEntry(BaseModel):
    name: str
    kind: str
    detail: str | None = None
    location: SourceLocation
    call_sites: list[SourceLocation] = Field(default_factory=list)
    call_sites_left_out: int = Field(default=0, description="Further call sites in this caller, not listed")


class CallHierarchyResult(BaseModel):
    query: str
    item: CallEntry | None
    incoming: list[CallEntry] = Field(default_factory=list)
    outgoing: list[CallEntry] = Field(default_factory=list)
    incoming_total: int = Field(default=0, description="Callers in all; `incoming` lists this page's")
    outgoing_total: int = Field(default=0, description="Callees in all; `outgoing` lists this page's")
    note: str | None = None


class MacroExpansion(BaseModel):
    query: str
    name: str | None
    expansion: str | None
    note: str | None = None


class RunnableEntry(BaseModel):
    label: str
    kind: str
    location: SourceLocation | None
    cargo_args: list[str]
    executable_args: list[str]
    command: str = Field(description="The cargo command line this runnable stands for")


class RunnableList(BaseModel):
    query: str
    runnables: list[RunnableEntry]
    total: int = Field(default=0, description="Runnables in all; `runnables` lists this page's")
    note: str | None = None


class WorkspaceStatus(BaseModel):
    root: str
    toolchain: str | None = Field(
        default=None, description="Set with rust_analyzer_set_workspace (else the server's default)"
    )
    pid: int | None
    alive: bool
    health: str
    ready: bool = Field(
        default=False, description="Answers are right now: build scripts run and proc macros loaded"
    )
    quiescent: bool = Field(description="Also done indexing and priming its caches")
    activity: str
    uptime_seconds: float
    restarts: int
    restart_reason: str | None = Field(
        default=None, description="Why the rust-analyzer before this one stopped"
    )
    last_panic: str | None = Field(
        default=None, description="The last request this rust-analyzer panicked on (it may be unreliable)"
    )
    rss_mb: float | None = None
    flycheck_runs: int = 0
    recent_messages: list[str] = Field(default_factory=list)
    proc_macro_note: str | None = Field(
        default=None, description="A proc macro expanding for long now, or the one that was stopped"
    )
    ignored_proc_macros: list[str] = Field(
        default_factory=list, description="crate::macro that did not return in time: not expanded"
    )


class AnalyzerStatus(BaseModel):
    rust_analyzer: str
    version: str
    crashes: int
    workspaces: list[WorkspaceStatus]
    default_workspace: str | None = None
    std_sources_warning: str | None = None


class WorkspaceChoice(BaseModel):
    workspace: str
    toolchain: str | None = None
    status: WorkspaceStatus
    note: str
