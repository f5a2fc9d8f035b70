"""What rustc and clippy say, as cargo prints it with --message-format=json: the diagnostic models,
and the parser that reads cargo's JSON messages line by line (deduplicated, counted, capped)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from .budgets import MAX_JSON_LINE, RENDERED_LIMIT, SPANS_PER_DIAGNOSTIC
from .clipping import clip_end, strip_ansi

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
    shown: int = 0
    total: int = 0


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


@dataclass
class CompilerMessages:
    """Collects `compiler-message` diagnostics (deduplicated, capped) and build status."""

    workspace_root: Path
    max_diagnostics: int = 60
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
        if len(self.diagnostics) >= self.max_diagnostics:
            return
        target = payload.get("target", {}).get("name")
        self.diagnostics.append(diagnostic_from_message(message, self.workspace_root, target))
        self.counts.shown = len(self.diagnostics)

    def sorted_diagnostics(self) -> list[Diagnostic]:
        rank = {"error": 0, "warning": 1}
        return sorted(self.diagnostics, key=lambda d: (rank.get(d.level, 2), d.file or "", d.line or 0))
