"""Parsers for what cargo prints: JSON compiler messages, libtest's report, rustfmt diffs and the
progress lines on stderr. They are fed line by line while the process runs."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rust_mcp.core.text import clip_end, strip_ansi

from .models import Diagnostic, DiagnosticCounts, FormatIssue, Span, Suggestion, TestFailure, TestSummary

MAX_JSON_LINE = 8 * 1024 * 1024
RENDERED_LIMIT = 4000
SPANS_PER_DIAGNOSTIC = 8
SUMMARY_MESSAGE = re.compile(
    r"^(aborting due to|\d+ warnings? emitted|For more information about|Some errors have detailed)"
)


def _span(raw: dict[str, Any]) -> Span:
    return Span(
        file=str(raw.get("file_name", "")),
        line=int(raw.get("line_start", 0)),
        column=int(raw.get("column_start", 0)),
        end_line=int(raw.get("line_end", 0)),
        end_column=int(raw.get("column_end", 0)),
        label=raw.get("label"),
        primary=bool(raw.get("is_primary", False)),
    )


def _collect_children(message: dict[str, Any], suggestions: list[Suggestion], notes: list[str]) -> None:
    for child in message.get("children") or []:
        text = str(child.get("message", ""))
        spans = child.get("spans") or []
        replacements = [s for s in spans if s.get("suggested_replacement") is not None]
        for raw in replacements[:SPANS_PER_DIAGNOSTIC]:
            suggestions.append(
                Suggestion(
                    message=text,
                    file=str(raw.get("file_name", "")),
                    line=int(raw.get("line_start", 0)),
                    column=int(raw.get("column_start", 0)),
                    end_line=int(raw.get("line_end", 0)),
                    end_column=int(raw.get("column_end", 0)),
                    replacement=str(raw["suggested_replacement"]),
                    applicability=raw.get("suggestion_applicability"),
                )
            )
        if not replacements and text:
            notes.append(f"{child.get('level', 'note')}: {text}")
        _collect_children(child, suggestions, notes)


def diagnostic_from_message(message: dict[str, Any], workspace_root: Path, target: str | None) -> Diagnostic:
    spans = [_span(s) for s in (message.get("spans") or [])]
    primary = next((s for s in spans if s.primary), spans[0] if spans else None)
    suggestions: list[Suggestion] = []
    notes: list[str] = []
    _collect_children(message, suggestions, notes)
    code = message.get("code")
    absolute = None
    if primary is not None and primary.file:
        absolute = (
            str((workspace_root / primary.file).resolve()) if not primary.file.startswith("<") else None
        )
    return Diagnostic(
        level=str(message.get("level", "error")),
        code=code.get("code") if isinstance(code, dict) else None,
        message=str(message.get("message", "")),
        file=primary.file if primary else None,
        absolute_path=absolute,
        line=primary.line if primary else None,
        column=primary.column if primary else None,
        spans=spans[:SPANS_PER_DIAGNOSTIC],
        suggestions=suggestions[:SPANS_PER_DIAGNOSTIC],
        notes=notes[:SPANS_PER_DIAGNOSTIC],
        rendered=clip_end(strip_ansi(str(message.get("rendered") or "")).rstrip(), RENDERED_LIMIT),
        target=target,
    )


@dataclass(frozen=True)
class Focus:
    """What the caller is working on: the requested package's directories and the files changed in
    the last few minutes (the agent's own edits). Their diagnostics come right after the errors."""

    directories: tuple[Path, ...] = ()
    changed_after: float | None = None  # a modification time (seconds since the epoch)

    def changed(self, path: Path, stamps: dict[Path, float]) -> bool:
        if self.changed_after is None:
            return False
        if path not in stamps:
            try:
                stamps[path] = path.stat().st_mtime
            except OSError:
                stamps[path] = 0.0
        return stamps[path] >= self.changed_after

    def contains(self, path: Path) -> bool:
        return any(path.is_relative_to(directory) for directory in self.directories)


LEVEL_RANK = {"error": 0, "warning": 1}


def rank_diagnostics(diagnostics: list[Diagnostic], focus: Focus) -> list[Diagnostic]:
    """The complete list in the order a model should read it: errors first, then what is in the
    requested package or in files just changed, then the rest; by file and line within each. Cut at
    the end to fit a budget (and page through it) without ever losing an error to a warning."""
    stamps: dict[Path, float] = {}

    def key(diagnostic: Diagnostic) -> tuple[int, bool, bool, str, int, int]:
        path = Path(diagnostic.absolute_path) if diagnostic.absolute_path else None
        changed = path is not None and focus.changed(path, stamps)
        wanted = changed or (path is not None and focus.contains(path))
        level = 0 if diagnostic.level.startswith("error") else LEVEL_RANK.get(diagnostic.level, 2)
        return (
            level,
            not wanted,
            not changed,
            diagnostic.file or "",
            diagnostic.line or 0,
            diagnostic.column or 0,
        )

    return sorted(diagnostics, key=key)


@dataclass
class CompilerMessages:
    """Collects every `compiler-message` diagnostic (deduplicated; past `keep_limit` only errors are
    kept, while the counts stay exact) and the build's status and executables."""

    workspace_root: Path
    keep_limit: int = 2000
    diagnostics: list[Diagnostic] = field(default_factory=list)
    counts: DiagnosticCounts = field(default_factory=DiagnosticCounts)
    build_finished: bool = False
    build_success: bool | None = None
    executables: list[str] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)

    def feed(self, line: str) -> bool:
        """Consume one stdout line; True when it was a cargo JSON message."""
        if not line.startswith('{"reason":') or len(line) > MAX_JSON_LINE:
            return False
        try:
            payload = json.loads(line)
        except ValueError:
            return False
        reason = payload.get("reason")
        if reason == "compiler-message":
            self._add(payload)
        elif reason == "build-finished":
            self.build_finished = True
            self.build_success = bool(payload.get("success"))
        elif reason == "compiler-artifact" and payload.get("executable"):
            self.executables.append(str(payload["executable"]))
        return True

    def _add(self, payload: dict[str, Any]) -> None:
        message = payload.get("message") or {}
        level = str(message.get("level", ""))
        text = str(message.get("message", ""))
        if level == "failure-note" or (not message.get("spans") and SUMMARY_MESSAGE.match(text)):
            return
        key = str(message.get("rendered") or text)
        if key in self._seen:
            return
        self._seen.add(key)
        self.counts.total += 1
        if level.startswith("error"):
            self.counts.errors += 1
        elif level == "warning":
            self.counts.warnings += 1
        else:
            self.counts.other += 1
        if len(self.diagnostics) >= self.keep_limit and not level.startswith("error"):
            return
        target = payload.get("target", {}).get("name")
        self.diagnostics.append(diagnostic_from_message(message, self.workspace_root, target))

    def ranked(self, focus: Focus) -> list[Diagnostic]:
        return rank_diagnostics(self.diagnostics, focus)


TEST_LINE = re.compile(r"^test (?P<name>.+?) \.\.\. (?P<verdict>ok|FAILED|ignored.*|bench:.*)$")
TEST_RESULT = re.compile(
    r"^test result: (?:ok|FAILED)\. (?P<passed>\d+) passed; (?P<failed>\d+) failed; "
    r"(?P<ignored>\d+) ignored; (?P<measured>\d+) measured; (?P<filtered>\d+) filtered out"
)
TEST_LONG_RUNNING = re.compile(r"^test (?P<name>.+?) has been running for over \d+ seconds$")
FAILURE_HEADER = re.compile(r"^---- (?P<name>.+?) (?:stdout|stderr) ----$")


@dataclass
class LibtestReport:
    """Reads libtest's human output (the stable format) from every test binary cargo runs."""

    output_limit: int = 3000
    summary: TestSummary = field(default_factory=TestSummary)
    _started: set[str] = field(default_factory=set)
    _finished: set[str] = field(default_factory=set)
    _capturing: str | None = None
    _captured: dict[str, list[str]] = field(default_factory=dict)
    _failed_names: list[str] = field(default_factory=list)

    def feed(self, line: str) -> None:
        if (match := FAILURE_HEADER.match(line)) is not None:
            self._capturing = match["name"]
            self._captured.setdefault(self._capturing, [])
            return
        if self._capturing is not None:
            if line == "failures:" or line.startswith("test result:"):
                self._capturing = None
            else:
                self._captured[self._capturing].append(line)
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
            text = "\n".join(trim_backtrace(self._captured.get(name, []))).strip()
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

    hunk_limit: int = 1500
    max_issues: int = 50
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
        return ProgressUpdate(None, None, f"waiting for file lock on {match['what']}")
    if (match := STATUS_LINE.match(text)) is not None:
        return ProgressUpdate(None, None, f"{match['verb']}{match['rest']}".strip())
    return None
