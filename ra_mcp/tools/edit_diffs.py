"""An edit plan's preview: each changed file's unified diff, cut to its first hunks for the answer.
Made on a worker thread (difflib over the files of a rename across a large workspace takes seconds)."""

from __future__ import annotations

from pathlib import Path

from rust_mcp.core import budgets

from ..models import FileDiff
from ..places.workspace_edits import FilePlan, unified_diff
from ..service import AnalyzerService


def first_hunks(diff: str, budget: int) -> tuple[str, int]:
    """`diff` cut after the hunks that fit `budget` (at least the headers and part of the first
    hunk), and how many of its lines were left out."""
    if len(diff) <= budget:
        return diff, 0
    lines = diff.splitlines(keepends=True)
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        if used + len(line) > budget and (line.startswith("@@") or used >= budget):
            return "".join(kept), len(lines) - index
        kept.append(line)
        used += len(line)
    return "".join(kept), 0


def file_diff(label: str, action: str, diff: str) -> FileDiff:
    body = [line for line in diff.splitlines() if not line.startswith(("+++", "---"))]
    shown, omitted = first_hunks(diff, budgets.DIFF_FILE_BUDGET)
    return FileDiff(
        path=label,
        action=action,
        added=sum(line.startswith("+") for line in body),
        removed=sum(line.startswith("-") for line in body),
        diff=shown,
        omitted_lines=omitted,
    )


def file_diffs(
    service: AnalyzerService, root: Path, changed: list[FilePlan]
) -> tuple[dict[str, str], list[FileDiff]]:
    """Each changed file's unified diff by label, and its FileDiff; blocking, for a worker thread."""
    diffs: dict[str, str] = {}
    files = []
    for item in changed:
        label = service.display(item.path, root)
        action = "create" if item.before is None else "delete" if item.after is None else "edit"
        diffs[label] = unified_diff(item, label)
        files.append(file_diff(label, action, diffs[label]))
    return diffs, files
