"""Result models for cargo_mcp; each tool's outputSchema is derived from `CargoResult`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from rust_mcp.core.compiler_messages import Diagnostic, DiagnosticCounts

from .workflow_models import CacheStats, OutdatedDependency, PendingSnapshot, Scope


class TestFailure(BaseModel):
    name: str
    output: str = Field(default="", description="What the test printed (its panic message), budgeted")


class TestSummary(BaseModel):
    passed: int = 0
    failed: int = 0
    ignored: int = 0
    measured: int = 0
    filtered_out: int = 0
    suites: int = Field(
        default=0, description="Test binaries (unit, integration, doc) that reported a result"
    )
    binaries: int = Field(default=0, description="Test binaries cargo ran, harness-free ones included")
    failures: list[TestFailure] = Field(default_factory=list)
    running: list[str] = Field(
        default_factory=list, description="Tests that started but never finished (a hang or a crash)"
    )
    flaky: list[str] = Field(default_factory=list, description="Tests that failed, then passed on a retry")


class FormatIssue(BaseModel):
    file: str
    line: int
    diff: str = Field(description="The rustfmt diff hunk, budgeted")


class TargetOutcome(BaseModel):
    """One row of a cross-target check."""

    target: str
    status: Literal["ok", "errors", "std_missing", "failed"]
    exit_code: int | None
    errors: int = 0
    warnings: int = 0
    duration_ms: int = 0
    diagnostics: list[Diagnostic] = Field(
        default_factory=list, description="The first errors for this target"
    )
    hint: str | None = None


class Verification(BaseModel):
    """What happened when a dependency change was verified with cargo check or cargo test."""

    command: str = Field(description="check or test")
    ok: bool
    summary: str
    diagnostics: list[Diagnostic] = Field(default_factory=list, description="The first errors that broke it")
    tests: TestSummary | None = None
    baseline_ok: bool | None = Field(
        default=None, description="Whether the same check or test passed before the change"
    )
    baseline_summary: str | None = None
    new_failures: list[str] = Field(
        default_factory=list,
        description="Failures the change added (up to 50); none: the change is kept",
    )
    reverted: bool = Field(default=False, description="True when the manifests and lockfile were put back")
    restored: list[str] = Field(default_factory=list, description="Files restored byte for byte")
    log_path: str | None = None


class CargoResult(BaseModel):
    """What one cargo invocation did, sized for a model's context."""

    tool: str
    ok: bool = Field(
        description="True when cargo exited with status 0 and did what was asked (a test filter that "
        "matches no test is not ok)"
    )
    exit_code: int | None = Field(description="None when the process was killed (timeout or cancellation)")
    summary: str = Field(description="One line: what ran and how it ended")
    argv: list[str]
    cwd: str
    manifest: str = Field(description="The Cargo.toml that was used")
    toolchain: str | None = Field(description="Toolchain passed to rustup, or None for the cargo on PATH")
    duration_ms: int
    timed_out: bool = False
    running: bool = Field(
        default=False, description="True when cargo still runs in the background: call again for its result"
    )
    diagnostics: list[Diagnostic] = Field(default_factory=list)
    counts: DiagnosticCounts = Field(default_factory=DiagnosticCounts)
    tests: TestSummary | None = None
    format_issues: list[FormatIssue] | None = None
    format_places: int | None = Field(
        default=None, description="Places rustfmt would change (format_issues lists the first 50)"
    )
    targets: list[TargetOutcome] | None = None
    verification: Verification | None = None
    scope: Scope | None = None
    outdated: list[OutdatedDependency] | None = None
    snapshots: list[PendingSnapshot] | None = None
    cache: CacheStats | None = None
    data: dict[str, object] | None = Field(
        default=None, description="Tool-specific structured data (cargo_metadata summary, cargo_tree lines)"
    )
    stdout: str = Field(default="", description="Standard output, head and tail within the size budget")
    stderr: str = Field(default="", description="Standard error, head and tail within the size budget")
    output_truncated: bool = Field(default=False, description="True when stdout or stderr was cut")
    log_path: str | None = Field(default=None, description="Full, uncut output of the run")
    full_diff: str | None = Field(default=None, description="File with every diff uncut (fmt, insta)")
    executables: list[str] = Field(default_factory=list, description="Executables cargo_build produced")
    program_exit_code: int | None = Field(
        default=None, description="cargo_run: the program's own exit code (it was built and ran)"
    )
    changed_files: list[str] = Field(
        default_factory=list, description="Files this call changed (cargo_clippy_fix, dependency changes)"
    )
    hints: list[str] = Field(
        default_factory=list, description="What to do next (e.g. a missing target's fix)"
    )


class WorkingDirectoryResult(BaseModel):
    working_directory: str
    manifest: str | None = Field(description="The Cargo.toml cargo tools will use by default, if any")
    note: str
