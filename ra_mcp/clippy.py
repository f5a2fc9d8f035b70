"""The clippy run the unsafe audit needs, and nothing more: `cargo clippy --message-format=json` with
chosen lints, through the shared process runner, its compiler messages read by the shared parser.
(rust-analyzer-mcp does not build cargo-mcp's service: no toolchains, no logs, no answer shaping.)"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rust_mcp.core.budgets import AUDIT_CLIPPY_FINDINGS
from rust_mcp.core.compiler_messages import CompilerMessages, Diagnostic, DiagnosticCounts
from rust_mcp.core.roots import AllowedRoots, find_manifest, find_workspace_root
from rust_mcp.core.runner import RunRequest, run_process

JSON_MESSAGES = "--message-format=json-diagnostic-rendered-ansi"
CLIPPY_TIMEOUT_SECONDS = 600.0


@dataclass(frozen=True)
class ClippyRun:
    diagnostics: list[Diagnostic]  # errors first, at most AUDIT_CLIPPY_FINDINGS
    counts: DiagnosticCounts
    exit_code: int | None  # None when it was stopped at the timeout
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def summary(self) -> str:
        ended = "timed out" if self.exit_code is None else f"failed (exit {self.exit_code})"
        errors, warnings = _plural(self.counts.errors, "error"), _plural(self.counts.warnings, "warning")
        return f"cargo clippy {ended} in {self.duration_ms / 1000:.2f} s — {errors}, {warnings}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def cargo_executable() -> str:
    return shutil.which("cargo") or str(Path.home() / ".cargo" / "bin" / "cargo")


async def run_clippy(directory: Path, roots: AllowedRoots, warn: Sequence[str], target_dir: str) -> ClippyRun:
    """Lint every target of the package or workspace at `directory` with the `warn` lints on, building
    into `target_dir` (relative to the package) so no other build waits for it or is disturbed."""
    manifest = find_manifest(directory, roots)
    messages = CompilerMessages(find_workspace_root(manifest), AUDIT_CLIPPY_FINDINGS)
    lints = [arg for lint in warn for arg in ("-W", lint)]

    def read_stdout(line: str) -> bool:
        messages.feed(line)
        return False  # no text is kept: the parsed messages are the answer

    options = ["--manifest-path", str(manifest), JSON_MESSAGES, "--all-targets"]
    request = RunRequest(
        argv=[cargo_executable(), "clippy", *options, "--", *lints],
        cwd=manifest.parent,
        env={**os.environ, "CARGO_TERM_COLOR": "never", "CARGO_TARGET_DIR": target_dir},
        timeout_seconds=CLIPPY_TIMEOUT_SECONDS,
        on_stdout=read_stdout,
        on_stderr=lambda line: False,
    )
    outcome = await run_process(request)
    return ClippyRun(messages.sorted_diagnostics(), messages.counts, outcome.exit_code, outcome.duration_ms)
