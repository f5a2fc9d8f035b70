"""What rustc and clippy say, as cargo prints it with --message-format=json: the diagnostic models,
and the parser that reads cargo's JSON messages line by line (deduplicated, counted, capped)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from .budgets import KEPT_DIAGNOSTICS, MAX_JSON_LINE, RENDERED_LIMIT, SPANS_PER_DIAGNOSTIC
from .clipping import clip_end, strip_ansi
from .json_nesting import parse_json
from .outside_places import OUTSIDE_LABEL, PlaceCheck, redact_rendered, visible

CODES_LISTED = 6  # codes a paged list names with their counts (DiagnosticCounts.by_code)
MAX_CODE_CHARS = 80  # of one code, as a wrapper could print any
QUOTED = re.compile(r"`[^`\n]*`")
SUMMARY_MESSAGE = re.compile(
    r"^(aborting due to|\d+ warnings? emitted|For more information about|Some errors have detailed)"
)


class Span(BaseModel):
    file: str = Field(description="Path as the compiler printed it (relative to the workspace root)")
    line: int
    column: int
    end_line: int
    end_column: int
    label: str | None = None
    primary: bool = True


class Suggestion(BaseModel):
    message: str = Field(description="The help text that offers the replacement")
    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    replacement: str
    applicability: str | None = Field(
        default=None, description="MachineApplicable suggestions are safe to apply as-is"
    )


class Diagnostic(BaseModel):
    level: str = Field(description="error, warning, note, help or ice")
    code: str | None = Field(default=None, description="e.g. E0308 or clippy::needless_return")
    message: str
    file: str | None = Field(default=None, description="Primary span's file, relative to the workspace root")
    absolute_path: str | None = None
    line: int | None = None
    column: int | None = None
    spans: list[Span] = Field(default_factory=list)
    suggestions: list[Suggestion] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="note: and help: lines without a span")
    rendered: str = Field(default="", description="The compiler's own rendering, colours removed")
    target: str | None = Field(default=None, description="The crate target the message belongs to")


class DiagnosticCounts(BaseModel):
    errors: int = 0
    warnings: int = 0
    other: int = 0
    shown: int = Field(default=0, description="How many are listed in `diagnostics`")
    total: int = 0
    offset: int = Field(default=0, description="Where `diagnostics` starts in the ranked list")
    next_offset: int | None = Field(default=None, description="Pass as `offset` for the next page")
    by_code: dict[str, int] | None = Field(
        default=None,
        description="When the list takes more than one page: its most frequent codes and how many each has",
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
        code=str(code.get("code"))[:MAX_CODE_CHARS] if isinstance(code, dict) and code.get("code") else None,
        message=clip_end(str(message.get("message", "")), RENDERED_LIMIT),
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


def redact_outside(diagnostic: Diagnostic, workspace_root: Path, allows: PlaceCheck) -> Diagnostic:
    """`diagnostic` with every place outside the roots labelled and its source lines removed (see
    outside_places.py)."""

    def shown(file: str) -> bool:
        return visible(file, workspace_root, allows)

    outside = {"file": OUTSIDE_LABEL}
    update: dict[str, object] = {
        "spans": [s if shown(s.file) else s.model_copy(update=outside) for s in diagnostic.spans],
        "suggestions": [s for s in diagnostic.suggestions if shown(s.file)],
        "rendered": redact_rendered(diagnostic.rendered, shown),
    }
    if diagnostic.file is not None and not shown(diagnostic.file):
        # its words may quote the file (found `token`): the quotes go, the words stay
        update |= {
            "file": OUTSIDE_LABEL,
            "absolute_path": None,
            "message": _unquoted(diagnostic.message),
            "notes": [_unquoted(note) for note in diagnostic.notes],
            "rendered": _unquoted(str(update["rendered"])),
        }
    return diagnostic.model_copy(update=update)


def _unquoted(text: str) -> str:
    return QUOTED.sub("`…`", text)


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
    kept, while the counts stay exact) and the build's status and executables. What a result lists
    is cut from the ranked list (`ranked`), never from the order cargo printed in."""

    workspace_root: Path
    keep_limit: int = KEPT_DIAGNOSTICS
    allows: PlaceCheck | None = None  # which files may be shown; others are redacted
    diagnostics: list[Diagnostic] = field(default_factory=list)
    counts: DiagnosticCounts = field(default_factory=DiagnosticCounts)
    build_finished: bool = False
    build_success: bool | None = None
    executables: list[str] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)
    _codes: Counter[str] = field(default_factory=Counter)

    def feed(self, line: str) -> bool:
        """Consume one stdout line; True when it was a cargo JSON message."""
        if not line.startswith('{"reason":') or len(line) > MAX_JSON_LINE:
            return False
        try:
            payload = parse_json(line)
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
        code = message.get("code")
        if isinstance(code, dict) and isinstance(code.get("code"), str):
            self._codes[code["code"][:MAX_CODE_CHARS]] += 1
        if level.startswith("error"):
            self.counts.errors += 1
        elif level == "warning":
            self.counts.warnings += 1
        else:
            self.counts.other += 1
        if len(self.diagnostics) >= self.keep_limit and not level.startswith("error"):
            return
        target = payload.get("target", {}).get("name")
        diagnostic = diagnostic_from_message(message, self.workspace_root, target)
        if self.allows is not None:
            diagnostic = redact_outside(diagnostic, self.workspace_root, self.allows)
        self.diagnostics.append(diagnostic)

    def most_frequent(self, listed: int = CODES_LISTED) -> dict[str, int]:
        """The `listed` most frequent codes of every diagnostic counted (kept or not), most first;
        codes as frequent are in the order first seen."""
        return dict(self._codes.most_common(listed))

    def ranked(self, focus: Focus | None = None) -> list[Diagnostic]:
        return rank_diagnostics(self.diagnostics, focus or Focus())
