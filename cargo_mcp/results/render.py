"""How a cargo result reads as text for a model: a verdict first, then what to act on, within a budget
(its sizes are in rust_mcp.core.budgets)."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import PurePath

from cargo_mcp.results.dependency_views import metadata_text
from cargo_mcp.results.models import CargoResult, TestSummary
from cargo_mcp.results.render_workflows import (
    has_workflow_parts,
    shed_list,
    shed_workflow_lists,
    workflow_lines,
)
from cargo_mcp.table.rows import COMMANDS_BY_NAME
from rust_mcp.core import budgets
from rust_mcp.core.clipping import clip_end, clip_middle
from rust_mcp.core.compiler_messages import Diagnostic
from rust_mcp.core.paging import Page, json_size


def _diagnostic_text(diagnostic: Diagnostic) -> str:
    if diagnostic.rendered:
        return diagnostic.rendered
    where = f" at {diagnostic.file}:{diagnostic.line}:{diagnostic.column}" if diagnostic.file else ""
    code = f"[{diagnostic.code}]" if diagnostic.code else ""
    return f"{diagnostic.level}{code}: {diagnostic.message}{where}"


def shown_command(argv: list[str], cwd: str) -> list[str]:
    """The command line as the text shows it: the program by name (not where the toolchain lives on
    the server's machine) and paths inside the working directory relative to it. The structured
    `argv` keeps every path in full."""
    if not argv:
        return argv
    prefix = cwd.rstrip("/") + "/"
    return [PurePath(argv[0]).name] + [
        arg.removeprefix(prefix) if arg.startswith(prefix) else arg for arg in argv[1:]
    ]


def result_text(result: CargoResult) -> str:
    """The text content of a tool result: everything a model needs to act, nothing it does not."""
    text, _ = clip_middle(unclipped_text(result), budgets.CARGO_TEXT_BUDGET, head_share=0.6)
    return text


def unclipped_text(result: CargoResult) -> str:
    """The text content before it is clipped to CARGO_TEXT_BUDGET (result_text)."""
    before, after = text_around_hints(result)
    return before + after


def text_around_hints(result: CargoResult) -> tuple[str, str]:
    """The unclipped text in two parts, around where a first hint goes: with a note inserted there it
    is `before + "\n\nhint: " + note + after` (how a repeat's answer is kept: shared_checks.Repeat)."""
    lines = [result.summary]
    lines.append(f"$ {shlex.join(shown_command(result.argv, result.cwd))}")
    lines.append(
        f"manifest: {result.manifest}" + (f"  toolchain: {result.toolchain}" if result.toolchain else "")
    )
    for diagnostic in result.diagnostics:  # shape_for_model made them one page, as in structuredContent
        lines.append("")
        lines.append(_diagnostic_text(diagnostic))
    if result.tests is not None:
        for failure in result.tests.failures[: budgets.CARGO_FAILURES_IN_TEXT]:
            lines.append(f"\nFAILED {failure.name}:\n{failure.output}")
        if result.tests.running:
            lines.append(
                "\nstill running when stopped: "
                + ", ".join(result.tests.running[: budgets.CARGO_RUNNING_TESTS_IN_TEXT])
            )
    if result.format_issues:
        for issue in result.format_issues[: budgets.CARGO_FORMAT_ISSUES_IN_TEXT]:
            lines.append(f"\n{issue.file}:{issue.line}\n{issue.diff}")
    for row in result.targets or []:
        lines.append(
            f"\n{row.target}: {row.status.replace('_', ' ')} ({row.errors} errors, {row.warnings} warnings)"
        )
        lines += [_diagnostic_text(d) for d in row.diagnostics]
    if result.verification is not None:
        check = result.verification
        lines.append(f"\nverification: {check.summary}")
        if check.baseline_summary and check.baseline_ok is False:
            lines.append(f"before the change: {check.baseline_summary}")
        lines += [f"new: {failure}" for failure in check.new_failures]
        lines += [_diagnostic_text(d) for d in check.diagnostics]
        for failure in (check.tests.failures if check.tests else [])[: budgets.CARGO_FAILURES_IN_TEXT]:
            lines.append(f"FAILED {failure.name}:\n{failure.output}")
        if check.reverted:
            lines.append("reverted, byte for byte: " + (", ".join(check.restored) or "nothing had changed"))
    if has_workflow_parts(result):
        lines += workflow_lines(result)
    if result.executables:
        lines.append("\nexecutables built:\n" + "\n".join(result.executables))
    if result.changed_files:
        lines.append("\nfiles changed: " + ", ".join(result.changed_files))
    if result.data is not None:
        lines.append("")
        lines.append(_data_text(result))
    show_output = output_matters(result)
    if show_output and result.stdout.strip():
        lines.append(f"\nstdout:\n{result.stdout.rstrip()}")
    if show_output and result.stderr.strip():
        lines.append(f"\nstderr:\n{result.stderr.rstrip()}")
    tail = [f"\nhint: {hint}" for hint in result.hints]
    if result.full_diff and result.full_diff != result.log_path:
        tail.append(f"\nevery diff, uncut: {result.full_diff}")
    if result.log_path:
        what = "full log (every diff, uncut)" if result.full_diff == result.log_path else "full log"
        tail.append(f"\n{what}: {result.log_path}")
    return "\n".join(lines), "".join(f"\n{line}" for line in tail)


def output_matters(result: CargoResult) -> bool:
    """Whether stdout/stderr tell the model something the parsed fields do not: a program's or a
    dependency command's own output, or a failure nothing else explains."""
    explained = (
        bool(result.diagnostics) or bool(result.tests and result.tests.failures) or bool(result.format_issues)
    )
    row = COMMANDS_BY_NAME.get(result.tool)
    return (row is not None and row.shows_output) or (not result.ok and not explained)


def shape_for_model(result: CargoResult, ranked: int | None = None) -> CargoResult:
    """The result as returned: output streams only where they matter, and everything within the
    budgets, shedding the most redundant detail first (span lists and notes repeat the rendered
    text), then clipping renderings, then listing fewer diagnostics from the end of the page. The
    diagnostics listed are one page of the ranked list (`ranked` long; by default every diagnostic
    counted), the same in the text and the structured result: counts.shown says how many,
    counts.next_offset and a hint where the next page starts."""
    shaped = result.model_copy(deep=True)
    if not output_matters(shaped):
        shaped.stdout = shaped.stderr = ""

    counts = shaped.counts
    if counts.total <= budgets.CARGO_DIAGNOSTICS_PAGE:
        counts.by_code = None  # a list no longer than a page: its codes are on it, or on the next
    frequent = ", ".join(f"{code} {count}" for code, count in (counts.by_code or {}).items())
    most = f"; most frequent: {frequent}" if frequent else ""

    def size() -> int:  # with room for the notes added after shedding (CARGO_LATER_NOTES, `most` as JSON)
        return json_size(shaped) + budgets.CARGO_LATER_NOTES + len(budgets.compact_json(most))

    if size() > budgets.CARGO_STRUCTURED_BUDGET:
        _shed(shaped, size)
    _fit_text(shaped)
    counts.shown = len(shaped.diagnostics)
    page = Page(shaped.diagnostics, counts.offset, counts.total if ranked is None else ranked)
    counts.next_offset = page.next_offset
    note = page.note("diagnostics")
    if note is None:
        counts.by_code = None  # one page after all (its renderings were short enough)
    else:
        shaped.hints.append(f"{note} (one ranked list: errors first, then the package asked for){most}")
    if page.total < counts.total:
        shaped.hints.append(
            f"{counts.total - page.total} more diagnostics were counted but not kept (past the first "
            f"{budgets.KEPT_DIAGNOSTICS:,} only errors are kept); {_where_all_is(shaped, 'all of them')}"
        )
    return shaped


def _fit_text(shaped: CargoResult) -> None:
    """At most a page of diagnostics whose renderings fit the text's share (at least one)."""
    del shaped.diagnostics[budgets.CARGO_DIAGNOSTICS_PAGE :]
    used = 0
    for index, diagnostic in enumerate(shaped.diagnostics):
        used += len(_diagnostic_text(diagnostic)) + 2
        if index and used > budgets.CARGO_DIAGNOSTICS_TEXT:
            del shaped.diagnostics[index:]
            return


def _shed(shaped: CargoResult, size: Callable[[], int]) -> None:
    """Shed detail until the structured result fits its budget, most redundant first."""
    shed_workflow_lists(shaped, lambda: size() > budgets.CARGO_STRUCTURED_BUDGET)
    for diagnostic in shaped.diagnostics:
        diagnostic.spans, diagnostic.notes = [], []
    for failure in shaped.tests.failures if shaped.tests else []:
        failure.output = clip_end(failure.output, budgets.CARGO_SHED_FAILURE_OUTPUT)
    shaped.stdout, _ = clip_middle(shaped.stdout, budgets.CARGO_SHED_STREAM)
    shaped.stderr, _ = clip_middle(shaped.stderr, budgets.CARGO_SHED_STREAM)
    if shaped.tests is not None:
        _shed_tests(shaped, shaped.tests, lambda: size() > budgets.CARGO_STRUCTURED_BUDGET)
    if size() > budgets.CARGO_STRUCTURED_BUDGET:
        for diagnostic in shaped.diagnostics:  # the rendering shows the suggestions too
            diagnostic.rendered = clip_end(diagnostic.rendered, budgets.CARGO_SHED_RENDERED)
            diagnostic.message = clip_end(diagnostic.message, budgets.CARGO_SHED_RENDERED)
            diagnostic.suggestions = []
            # paths as long as the system allows (4,096 characters; short ones are kept whole)
            diagnostic.file = _clipped(diagnostic.file)
            diagnostic.absolute_path = _clipped(diagnostic.absolute_path)
    kept = len(shaped.diagnostics)
    least = budgets.CARGO_MIN_DIAGNOSTICS
    while size() > budgets.CARGO_STRUCTURED_BUDGET and kept > least:
        kept = max(least, kept * 2 // 3)
        shaped.diagnostics = shaped.diagnostics[:kept]
    # the few kept can still be over: text whose JSON is longer than it (quotes, control characters)
    clip = budgets.CARGO_SHED_RENDERED
    while size() > budgets.CARGO_STRUCTURED_BUDGET and clip > budgets.CARGO_SHED_LEAST_TEXT:
        clip //= 2
        for diagnostic in shaped.diagnostics:
            diagnostic.rendered = clip_end(diagnostic.rendered, clip)
            diagnostic.message = clip_end(diagnostic.message, clip)
    # the files a fix changed are what the model must know, so they go last
    shed_list(shaped, "changed_files", lambda: size() > budgets.CARGO_STRUCTURED_BUDGET)


def _shed_tests(shaped: CargoResult, tests: TestSummary, over: Callable[[], bool]) -> None:
    """Test names have no length limit and a run may fail hundreds of tests: names are clipped, then
    fewer failures listed (`failed` counts them all), the first ones kept."""
    for failure in tests.failures:
        failure.name = clip_end(failure.name, budgets.NAME_LIMIT)
    tests.running = [clip_end(name, budgets.NAME_LIMIT) for name in tests.running]
    tests.flaky = [clip_end(name, budgets.NAME_LIMIT) for name in tests.flaky]
    for what, names in (("still running", tests.running), ("flaky", tests.flaky)):  # failures matter most
        named = len(names)
        while over() and names:
            del names[len(names) // 2 :]
        if len(names) < named:
            shaped.hints.append(f"{named - len(names)} more tests {what} are not listed")
    listed = kept = len(tests.failures)
    while over() and kept > 1:
        kept = max(1, kept * 2 // 3)
        del tests.failures[kept:]
    if kept < listed:
        shaped.hints.append(
            f"{listed - kept} more failing tests are not listed (tests.failed counts them all); "
            f"{_where_all_is(shaped, 'their output')}"
        )


def _clipped(name: str | None) -> str | None:
    return None if name is None else clip_end(name, budgets.NAME_LIMIT)


def _where_all_is(result: CargoResult, what: str) -> str:
    """Where the uncut output is: the log's path, or that none was kept (a promise is kept or not made)."""
    return f"{what} is in the full log: {result.log_path}" if result.log_path else "no full log was kept"


def _output_kind(result: CargoResult) -> str | None:
    """The kind of output of the row that made `result` (None for a tool that is no row)."""
    row = COMMANDS_BY_NAME.get(result.tool)
    return row.output if row is not None else None


def _data_text(result: CargoResult) -> str:
    data = result.data or {}
    if data.get("refused"):  # a value of the call, not cargo's output, was wrong
        return str(data["refused"])
    if data.get("error"):
        return f"{data['error']}; {_where_all_is(result, 'what cargo printed')}"
    if _output_kind(result) == "tree":
        lines = [str(line) for line in data.get("lines", [])]  # type: ignore[attr-defined]
        if not lines and data.get("note"):
            note = str(data["note"])
            if output_matters(result) and note in result.stderr:  # said once, in full, as stderr
                return "cargo printed no tree (its stderr is below)"
            return f"cargo printed no tree: {note}"
        if data.get("page"):
            lines.append(f"[{data['page']}; {_where_all_is(result, 'the full tree')}]")
        return "\n".join(lines)
    if isinstance(data.get("members"), list) or isinstance(data.get("member"), dict):
        return "\n".join(metadata_text(data))
    return str(data)
