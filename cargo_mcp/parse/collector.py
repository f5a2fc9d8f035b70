"""Routes each line cargo prints to the parser for the tool's kind of output, and tracks progress."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cargo_mcp.parse.nextest import NextestReport
from cargo_mcp.parse.text_reports import PROGRESS_BAR, FormatReport, LibtestReport, parse_progress
from cargo_mcp.results.dependency_views import metadata_page, tree_page
from cargo_mcp.table.command import Output
from rust_mcp.core import budgets
from rust_mcp.core.compiler_messages import CompilerMessages
from rust_mcp.core.outside_places import PlaceCheck

TEST_BINARY = re.compile(r"^\s*(?:Running|Doc-tests)\s")  # cargo starting a test binary (libtest or not)


@dataclass
class ProgressState:
    """Latest progress, written by the line readers and read by the notifier task."""

    done: int | None = None
    total: int | None = None
    message: str = "starting cargo"
    version: int = 0
    started: float = field(default_factory=time.monotonic)

    def update(self, done: int | None, total: int | None, message: str) -> None:
        if done is not None:
            self.done, self.total = done, total
        self.message = message
        self.version += 1


@dataclass
class OutputCollector:
    output: Output
    workspace_root: Path
    allows: PlaceCheck | None = None  # which files diagnostics may show (others are redacted)
    progress: ProgressState = field(default_factory=ProgressState)
    messages: CompilerMessages = field(init=False)
    tests: LibtestReport = field(default_factory=LibtestReport)
    nextest: NextestReport = field(default_factory=NextestReport)
    formatting: FormatReport = field(default_factory=FormatReport)
    stdout_lines: list[str] = field(default_factory=list)
    stdout_chars: int = 0
    program_lines: int = 0
    stderr_tail: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.messages = CompilerMessages(self.workspace_root, allows=self.allows)

    def on_stdout(self, line: str) -> bool:
        if self.messages.feed(line):
            return False
        if self.output == "nextest":
            finished = self.nextest.feed(line)
            if finished is not None:
                self.progress.update(None, None, finished[:200])
            return not line.startswith('{"type":')
        if self.output == "tests":
            self.tests.feed(line)
            if line.startswith("test ") and " ... " in line:
                self.progress.update(None, None, line[: budgets.PROGRESS_MESSAGE])
        elif self.output == "format":
            self.formatting.feed(line)
        elif self.output in ("metadata", "snapshots"):
            self.stdout_chars += len(line) + 1
            if self.stdout_chars <= budgets.MAX_CAPTURED_CHARS:  # past it the JSON is cut: said when parsed
                self.stdout_lines.append(line)
            return False
        elif self.output == "tree":
            if len(self.stdout_lines) < budgets.TREE_LINES:
                self.stdout_lines.append(line)
            return False  # the tree is returned as data lines
        elif self.output == "run":
            self.program_lines += 1
        return True

    def on_stderr(self, line: str) -> bool:
        if self.output == "tests" and TEST_BINARY.match(line):
            self.tests.summary.binaries += 1
        update = parse_progress(line)
        if update is not None:
            self.progress.update(update.done, update.total, update.message)
            if PROGRESS_BAR.match(line.strip()):
                return False  # progress-bar frames are noise in the kept text
        if line.strip():
            self.stderr_tail.append(line)
            del self.stderr_tail[: -budgets.STDERR_TAIL_LINES]
        return bool(line.strip())

    def metadata_data(self, offset: int, package: str | None) -> dict[str, Any] | None:
        return metadata_page("\n".join(self.stdout_lines), offset, package)

    def tree_data(self, offset: int) -> dict[str, Any]:
        data = tree_page(self.stdout_lines, offset, kept_all=len(self.stdout_lines) < budgets.TREE_LINES)
        if not self.stdout_lines:  # e.g. `--duplicates` with none: cargo says so on stderr only
            said = [line.strip() for line in self.stderr_tail if "nothing to print" in line]
            data["note"] = (
                "nothing to print (with duplicates=true: no package appears in more than one version "
                "for this platform)"
                if said
                else "\n".join(self.stderr_tail[-5:]).strip() or "cargo tree printed nothing"
            )
        return data
