"""Parsers for what cargo prints besides compiler messages (rust_mcp.core.compiler_messages): libtest's
report, rustfmt diffs and the progress lines on stderr. They are fed line by line while the process runs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cargo_mcp.results.models import FormatIssue, TestFailure, TestSummary
from rust_mcp.core import budgets
from rust_mcp.core.clipping import clip_end
from rust_mcp.core.runner import TailBuffer

TEST_LINE = re.compile(r"^test (?P<name>.+?) \.\.\. (?P<verdict>ok|FAILED|ignored.*|bench:.*)$")
TEST_RESULT = re.compile(
    r"^test result: (?:ok|FAILED)\. (?P<passed>\d+) passed; (?P<failed>\d+) failed; "
    r"(?P<ignored>\d+) ignored; (?P<measured>\d+) measured; (?P<filtered>\d+) filtered out"
)
TEST_LONG_RUNNING = re.compile(r"^test (?P<name>.+?) has been running for over \d+ seconds$")
CAPTURED_PER_TEST = 8  # a failing test's output kept, in multiples of what is shown (backtrace trimmed first)
FAILURE_HEADER = re.compile(r"^---- (?P<name>.+?) (?:stdout|stderr) ----$")


@dataclass
class LibtestReport:
    """Reads libtest's human output (the stable format) from every test binary cargo runs."""

    output_limit: int = budgets.TEST_OUTPUT_LIMIT
    summary: TestSummary = field(default_factory=TestSummary)
    _started: set[str] = field(default_factory=set)
    _finished: set[str] = field(default_factory=set)
    _capturing: str | None = None
    _captured: dict[str, TailBuffer] = field(default_factory=dict)  # head and tail, the middle counted
    _failed_names: list[str] = field(default_factory=list)

    def feed(self, line: str) -> None:
        if (match := FAILURE_HEADER.match(line)) is not None:
            self._capturing = match["name"]
            self._captured.setdefault(self._capturing, TailBuffer(CAPTURED_PER_TEST * self.output_limit))
            return
        if self._capturing is not None:
            if line == "failures:" or line.startswith("test result:"):
                self._capturing = None
            else:
                self._captured[self._capturing].add(line)
                return
        if (match := TEST_LINE.match(line)) is not None:
            name, verdict = match["name"], match["verdict"]
            self._finished.add(name)
            if verdict == "FAILED":
                self._failed_names.append(name)
            return
        if (match := TEST_LONG_RUNNING.match(line)) is not None:
            self._started.add(match["name"])
            return
        if (match := TEST_RESULT.match(line)) is not None:
            self.summary.passed += int(match["passed"])
            self.summary.failed += int(match["failed"])
            self.summary.ignored += int(match["ignored"])
            self.summary.measured += int(match["measured"])
            self.summary.filtered_out += int(match["filtered"])
            self.summary.suites += 1

    def finish(self) -> TestSummary:
        failures = []
        for name in self._failed_names:
            captured = self._captured.get(name)
            lines = captured.text()[0].splitlines() if captured is not None else []
            text = "\n".join(trim_backtrace(lines)).strip()
            failures.append(TestFailure(name=name, output=clip_end(text, self.output_limit)))
        self.summary.failures = failures
        self.summary.running = sorted(self._started - self._finished)
        # a binary killed before its `test result:` line still told us which tests failed
        self.summary.failed = max(self.summary.failed, len(failures))
        return self.summary


BACKTRACE_FRAME = re.compile(r"^\s+\d+: (?P<name>.+)$")
BACKTRACE_AT = re.compile(r"^\s+at (?P<where>.+)$")
LIBRARY_FRAME = re.compile(r"^(?:core|std|alloc|test|__rustc|<unknown>|__libc|_start)\b|^rust_begin_unwind")


def trim_backtrace(lines: list[str]) -> list[str]:
    """Keep a panic's backtrace frames that point into the user's code; count the std/core ones."""
    kept: list[str] = []
    dropped = 0
    in_trace = False
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("stack backtrace:"):
            in_trace = True
            kept.append(line)
        elif in_trace and (frame := BACKTRACE_FRAME.match(line)) is not None:
            at = lines[index + 1] if index + 1 < len(lines) and BACKTRACE_AT.match(lines[index + 1]) else None
            library = LIBRARY_FRAME.match(frame["name"].strip()) or (at is not None and "/rustc/" in at)
            if library:
                dropped += 1
            else:
                kept.append(line)
                if at is not None:
                    kept.append(at)
            index += 2 if at is not None else 1
            continue
        else:
            if in_trace and dropped:
                kept.append(f"   [{dropped} frames in std and core left out]")
                dropped = 0
            in_trace = False
            kept.append(line)
        index += 1
    if in_trace and dropped:
        kept.append(f"   [{dropped} frames in std and core left out]")
    return kept


FMT_DIFF_HEADER = re.compile(r"^Diff in (?P<file>.+?)(?::(?P<line>\d+):| at line (?P<line2>\d+):)\s*$")


@dataclass
class FormatReport:
    """Reads `cargo fmt --check` diffs into one issue per hunk."""

    hunk_limit: int = budgets.FORMAT_HUNK_LIMIT
    max_issues: int = budgets.FORMAT_MAX_ISSUES
    issues: list[FormatIssue] = field(default_factory=list)
    total: int = 0
    _current: FormatIssue | None = None
    _lines: list[str] = field(default_factory=list)

    def feed(self, line: str) -> None:
        match = FMT_DIFF_HEADER.match(line)
        if match is not None:
            self._flush()
            self.total += 1
            self._current = FormatIssue(
                file=match["file"], line=int(match["line"] or match["line2"]), diff=""
            )
            return
        if self._current is not None:
            self._lines.append(line)

    def _flush(self) -> None:
        if self._current is not None and len(self.issues) < self.max_issues:
            self._current.line = _first_changed_line(self._current.line, self._lines)
            self._current.diff = clip_end("\n".join(self._lines).rstrip(), self.hunk_limit)
            self.issues.append(self._current)
        self._current = None
        self._lines = []

    def finish(self) -> list[FormatIssue]:
        self._flush()
        return self.issues


def _first_changed_line(start: int, hunk: list[str]) -> int:
    """rustfmt numbers a hunk from its first context line; report the first line it changes."""
    line = start
    for text in hunk:
        if text.startswith(("-", "+")):
            return line
        line += 1
    return start


PROGRESS_BAR = re.compile(
    r"^\s*(?P<verb>Building|Checking|Compiling|Documenting) \[[ =>]*\] "
    r"(?P<done>\d+)/(?P<total>\d+)(?::\s*(?P<names>.*))?$"
)
# the build directory is shared with rust-analyzer's check and the audit (docs/security.md)
LOCK_HOLDER = " (rust-analyzer's check or another cargo run is using it; this run goes on after it)"
LOCK_WAIT = re.compile(r"Blocking waiting for file lock on (?P<what>.+)$")
STATUS_LINE = re.compile(
    r"^\s*(?P<verb>Compiling|Checking|Running|Doc-tests|Downloaded|Updating|Locking|Adding|Removing|Fresh|Finished|Documenting|Packaging)\b(?P<rest>.*)$"
)


@dataclass(frozen=True)
class ProgressUpdate:
    done: int | None
    total: int | None
    message: str


def parse_progress(line: str) -> ProgressUpdate | None:
    """Turn one stderr fragment (split on \\r and \\n) into a progress update, if it is one."""
    text = line.strip()
    if not text:
        return None
    if (match := PROGRESS_BAR.match(text)) is not None:
        names = (match["names"] or "").strip()
        message = f"{match['verb'].lower()} {match['done']}/{match['total']}" + (
            f": {names}" if names else ""
        )
        return ProgressUpdate(int(match["done"]), int(match["total"]), message)
    if (match := LOCK_WAIT.search(text)) is not None:
        return ProgressUpdate(None, None, f"waiting for file lock on {match['what']}{LOCK_HOLDER}")
    if (match := STATUS_LINE.match(text)) is not None:
        return ProgressUpdate(None, None, f"{match['verb']}{match['rest']}".strip())
    return None
