"""How the workflow parts of a cargo result read as text: the scope a scoped check chose, outdated
dependencies, pending snapshots with their diffs, and compiler-cache hits."""

from __future__ import annotations

from collections.abc import Callable

from cargo_mcp.results.models import CargoResult
from rust_mcp.core.clipping import clip_end
from rust_mcp.core.counts import plural

SNAPSHOTS_IN_TEXT = 10
SHORT_DIFF = 400
KEPT_AT_LEAST = 5


WORKFLOW_PARTS = ("scope", "outdated", "snapshots", "cache")  # fields of CargoResult, None when absent


def has_workflow_parts(result: CargoResult) -> bool:
    """Whether a workflow added a part to `result` (a plain run adds none, so it has no lines here)."""
    flaky = result.tests is not None and bool(result.tests.flaky)
    return flaky or any(getattr(result, name) is not None for name in WORKFLOW_PARTS)


def workflow_lines(result: CargoResult) -> list[str]:
    lines: list[str] = []
    if result.tests is not None and result.tests.flaky:
        lines.append("\nflaky (failed, then passed on a retry): " + ", ".join(result.tests.flaky))
    if result.scope is not None:
        scope = result.scope
        chosen = "; ".join(f"{p.name} ({p.reason})" for p in scope.packages) or "none"
        lines.append(
            f"\nscope: {plural(scope.changed_files, 'file')} changed since {scope.since}; packages: {chosen}"
        )
        if scope.run_reason:
            ran = "the whole workspace (--workspace)" if scope.run == "workspace" else "the packages in scope"
            lines.append(f"ran: {ran}, because {scope.run_reason}")
        if scope.skipped:
            more = scope.skipped_count - len(scope.skipped)
            lines.append(
                f"left out (unchanged, nothing changed below them): {', '.join(scope.skipped)}"
                + (f" and {more} more members" if more > 0 else "")
            )
    for entry in result.outdated or []:
        kind = "" if entry.kind == "normal" else f" [{entry.kind}]"
        note = f" ({entry.note})" if entry.note else ""
        lines.append(
            f"{entry.name} {entry.req}{kind} in {entry.member}: locked {entry.locked or '?'}, "
            f"compatible {entry.compatible or '?'}, latest {entry.latest or '?'} — "
            f"{entry.status.replace('_', ' ')}{note}"
        )
    for snapshot in (result.snapshots or [])[:SNAPSHOTS_IN_TEXT]:
        where = f" ({snapshot.source}:{snapshot.line})" if snapshot.source else ""
        lines.append(f"\npending {snapshot.kind} snapshot {snapshot.name}{where}:\n{snapshot.diff}")
    hidden = len(result.snapshots or []) - SNAPSHOTS_IN_TEXT
    if hidden > 0:
        lines.append(f"\n[{hidden} more pending snapshots: see structuredContent.snapshots]")
    if result.snapshots == []:
        lines.append("\nno pending snapshots (a failing snapshot test leaves one: run the tests first)")
    if result.cache is not None:
        cache = result.cache
        lines.append(
            f"\ncompiler cache ({cache.wrapper}): {plural(cache.hits, 'hit')}, "
            f"{plural(cache.misses, 'miss', 'misses')} of "
            f"{plural(cache.compile_requests, 'compile request')}" + (f"; {cache.note}" if cache.note else "")
        )
    return lines


def shed_workflow_lists(result: CargoResult, over_budget: Callable[[], bool]) -> None:
    """Within the structured budget: shorter snapshot and rustfmt diffs first, then fewer pending
    snapshots, outdated dependencies and formatting places (most useful first, as listed), saying
    exactly how many were left out."""
    for snapshot in result.snapshots or []:
        if over_budget():
            snapshot.diff = clip_end(snapshot.diff, SHORT_DIFF)
    for issue in result.format_issues or []:
        if over_budget():
            issue.diff = clip_end(issue.diff, SHORT_DIFF)
    for field in ("snapshots", "outdated", "format_issues"):
        shed_list(result, field, over_budget)


NEXT_STEP = {
    "snapshots": ("pending snapshots", "accept or reject these, then call cargo_insta_pending again"),
    "outdated": ("outdated dependencies", "pass package to see one member at a time"),
    "format_issues": ("places that need formatting", "cargo fmt fixes them all; every diff is in the log"),
    "changed_files": ("changed files", "`git status` in the project lists every file changed"),
}


def shed_list(result: CargoResult, field: str, over_budget: Callable[[], bool]) -> None:
    """Fewer items of one of the result's lists (NEXT_STEP's) while over budget, at least
    KEPT_AT_LEAST, with a hint saying how many were left out and where the rest is."""
    items: list[object] | None = getattr(result, field)
    if not items:
        return
    label, advice = NEXT_STEP[field]
    listed = len(items)
    while over_budget() and len(items) > KEPT_AT_LEAST:
        del items[max(KEPT_AT_LEAST, len(items) * 2 // 3) :]
    if len(items) < listed:
        result.hints.append(f"{listed - len(items)} more {label} are not listed here; {advice}.")
