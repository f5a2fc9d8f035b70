"""Fast tier: answers stay within their budgets (rust_mcp.core.budgets), most useful part first, with
exact counts of what was left out."""

from __future__ import annotations

import pytest

from cargo_mcp.results import models as cargo_models
from cargo_mcp.results import render as cargo_render
from cargo_mcp.results import verdicts
from cargo_mcp.results.models import CargoResult
from ra_mcp.models import EditResult, FileDiff, LocationList, SourceLocation
from ra_mcp.tools import render as analyzer_render
from rust_mcp.core import budgets
from rust_mcp.core.compiler_messages import Diagnostic, DiagnosticCounts, Span


def diagnostic(index: int, level: str = "warning") -> Diagnostic:
    return Diagnostic(
        level=level,
        code=f"W{index:04}",
        message=f"finding {index}",
        file=f"src/m{index % 7}.rs",
        line=index + 1,
        column=1,
        spans=[
            Span(file="src/x.rs", line=i, column=1, end_line=i, end_column=9, label="here") for i in range(8)
        ],
        notes=[f"note: detail {i} " * 10 for i in range(8)],
        rendered=f"{level}: finding {index}\n" + "  | context line\n" * 250,
    )


def cargo_result(diagnostics: list[Diagnostic], **extra: object) -> CargoResult:
    errors = sum(d.level == "error" for d in diagnostics)
    extra = {"argv": ["cargo", "check"], **extra}
    return CargoResult(
        tool="cargo_check",
        ok=errors == 0,
        exit_code=101 if errors else 0,
        summary="cargo check failed",
        cwd="/p",
        manifest="/p/Cargo.toml",
        toolchain=None,
        duration_ms=1200,
        diagnostics=diagnostics,
        counts=DiagnosticCounts(
            errors=errors, warnings=len(diagnostics) - errors, shown=len(diagnostics), total=len(diagnostics)
        ),
        log_path="/logs/run.log",
        **extra,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("count", [1, 10, 60])
def test_cargo_structured_result_fits_its_budget_and_counts_what_it_drops(count: int) -> None:
    result = cargo_result([diagnostic(0, "error")] + [diagnostic(i) for i in range(1, count)])
    shaped = cargo_render.shape_for_model(result)
    size = len(shaped.model_dump_json(exclude_defaults=True))
    assert size <= budgets.CARGO_STRUCTURED_BUDGET or len(shaped.diagnostics) == budgets.CARGO_MIN_DIAGNOSTICS
    assert shaped.diagnostics[0].level == "error"  # what to act on first survives
    shown = len(shaped.diagnostics)
    assert shaped.counts.shown == shown
    assert shaped.counts.next_offset == (shown if shown < count else None)
    hint = f"diagnostics 1-{shown} of {count} listed; {count - shown} more: call again with offset={shown}"
    assert any(h.startswith(hint) for h in shaped.hints) is (shown < count)
    assert result.diagnostics[-1].spans, "the input is left as it was"


def test_cargo_text_lists_the_same_page_as_the_structured_result_and_names_the_next() -> None:
    shaped = cargo_render.shape_for_model(cargo_result([diagnostic(i) for i in range(40)]))
    text = cargo_render.result_text(shaped)
    assert len(text) <= budgets.CARGO_TEXT_BUDGET
    assert text.startswith("cargo check failed\n$ cargo check")
    listed = [d.message for d in shaped.diagnostics]
    assert [f"finding {i}" for i in range(40) if f"warning: finding {i}\n" in text] == listed
    shown = shaped.counts.shown
    assert (
        f"hint: diagnostics 1-{shown} of 40 listed; {40 - shown} more: call again with offset={shown}" in text
    )
    assert text.rstrip().endswith("full log: /logs/run.log")


def test_cargo_diagnostics_page_through_the_ranked_list_exactly_once() -> None:
    ranked = [diagnostic(0, "error")] + [diagnostic(i) for i in range(1, 90)]
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = cargo_result(ranked[offset:])
        page.counts = DiagnosticCounts(errors=1, warnings=89, total=90, offset=offset)
        shaped = cargo_render.shape_for_model(page, ranked=len(ranked))
        assert shaped.counts.offset == offset and shaped.counts.shown == len(shaped.diagnostics) > 0
        assert len(cargo_render.result_text(shaped)) <= budgets.CARGO_TEXT_BUDGET
        assert len(shaped.model_dump_json(exclude_defaults=True)) <= budgets.CARGO_STRUCTURED_BUDGET
        seen += [d.message for d in shaped.diagnostics]
        offset = shaped.counts.next_offset
    assert seen == [d.message for d in ranked]
    assert shaped.hints[-1].startswith(f"diagnostics {90 - shaped.counts.shown + 1}-90 of 90 listed")
    past = cargo_result([])
    past.counts = DiagnosticCounts(total=90, offset=95)
    assert (
        cargo_render.shape_for_model(past, ranked=90).hints[0].startswith("90 diagnostics; offset=95 is past")
    )


def test_failing_tests_are_shown_first_ten_with_output() -> None:
    failures = [cargo_models.TestFailure(name=f"t{i}", output=f"panicked {i}") for i in range(15)]
    tests = cargo_models.TestSummary(passed=3, failed=15, suites=1, failures=failures)
    text = cargo_render.result_text(cargo_result([], tests=tests))
    shown = [line for line in text.splitlines() if line.startswith("FAILED ")]
    assert shown == [f"FAILED t{i}:" for i in range(budgets.CARGO_FAILURES_IN_TEXT)]


@pytest.mark.parametrize(
    ("exit_code", "timed_out", "verdict"),
    [
        (0, False, "cargo check succeeded in 1.20 s"),
        (101, False, "cargo check failed (exit 101) in 1.20 s"),
        (-9, False, "cargo check was killed by SIGKILL after 1.20 s"),
        (None, True, "cargo check timed out after 30 s (process group killed)"),
    ],
)
def test_summary_line_says_how_cargo_ended(exit_code: int | None, timed_out: bool, verdict: str) -> None:
    update = {"exit_code": exit_code, "timed_out": timed_out, "ok": exit_code == 0}
    result = cargo_result([]).model_copy(update=update)
    assert verdicts.summary_line(result, ("check",), 30) == verdict


def test_a_refused_value_is_not_called_a_success() -> None:
    """fieldtest9: `cargo_metadata package="clap_nope"` answered "cargo metadata succeeded" above the
    refusal naming the members, with isError true: the verdict now says the call was refused."""
    refused = {"refused": "package 'clap_nope' is not a member of this workspace; its members: clap"}
    result = cargo_result([]).model_copy(update={"exit_code": 0, "ok": True, "data": refused})
    line = verdicts.summary_line(result, ("metadata",), 30)
    assert line == "cargo metadata ran in 1.20 s, but the call was refused (below)"
    text = cargo_render.result_text(result)
    assert "succeeded" not in text and "'clap_nope' is not a member" in text
    unreadable = result.model_copy(update={"data": {"error": "cargo metadata printed no JSON"}})
    assert "could not be read" in verdicts.summary_line(unreadable, ("metadata",), 30)


def test_stdout_is_kept_only_where_it_tells_something() -> None:
    quiet = cargo_render.shape_for_model(cargo_result([], stdout="noise", stderr="more noise"))
    assert (quiet.stdout, quiet.stderr) == ("", "")
    ran = cargo_result([], stdout="program output").model_copy(update={"tool": "cargo_run"})
    assert cargo_render.shape_for_model(ran).stdout == "program output"


def location(index: int) -> SourceLocation:
    return SourceLocation(
        path=f"src/f{index}.rs", line=index, column=5, end_line=index, end_column=9, text="x" * 200
    )


def test_analyzer_text_is_clipped_to_its_budget_keeping_the_head() -> None:
    many = LocationList(query="references", locations=[location(i) for i in range(500)], total=500)
    text = analyzer_render.locations(many)
    assert len(text) <= budgets.ANALYZER_TEXT_BUDGET
    assert text.startswith("references: 500 found\nsrc/f0.rs:0:5")
    assert "characters cut" in text


def test_edit_diffs_share_one_budget() -> None:
    big = "\n".join(f"+line {i}" for i in range(4000))
    files = [FileDiff(path=f"src/f{i}.rs", action="edit", diff=big) for i in range(3)]
    text = analyzer_render.edit(EditResult(title="rename", applied=False, files=files, note="preview only"))
    assert text.startswith("rename (preview, 3 file(s), +0 -0)")
    assert text.count("edit src/f") == 3  # every file named with its counts
    assert text.count("[... rest of this file's diff left out]") == 3
    assert len(text) <= budgets.ANALYZER_TEXT_BUDGET
    assert text.endswith("note: preview only")


def test_the_text_names_cargo_and_the_manifest_without_the_servers_absolute_paths() -> None:
    argv = ["/root/.cargo/bin/cargo", "check", "--manifest-path", "/p/Cargo.toml", "--features", "/px"]
    result = cargo_result([], argv=argv)
    text = cargo_render.result_text(result)
    assert "$ cargo check --manifest-path Cargo.toml --features /px\n" in text
    assert result.argv == argv  # the structured command line keeps every path in full
