"""Fast tier: the parsers on what real cargo printed for the fixtures (captured once into tests/data,
paths under /fixtures): compiler messages (ranked, deduplicated, capped but counted), libtest's report
with its backtrace trimmed, and progress lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from cargo_mcp.parse.text_reports import LibtestReport, parse_progress, trim_backtrace
from rust_mcp.core.clipping import ANSI_ESCAPE
from rust_mcp.core.compiler_messages import CompilerMessages
from tests.support import REPO

DATA = REPO / "tests" / "data"


def lines(name: str) -> list[str]:
    return (DATA / name).read_text().splitlines()


def parsed(name: str, root: str, cap: int = 60) -> CompilerMessages:
    messages = CompilerMessages(Path(root), cap)
    for line in lines(name):
        assert messages.feed(line), f"not read as a cargo message: {line[:80]}"
    return messages


def test_a_type_error_and_a_warning_from_cargo_check() -> None:
    messages = parsed("cargo_check_lib_errors.jsonl", "/fixtures/lib_errors")
    assert (messages.counts.errors, messages.counts.warnings, messages.counts.total) == (1, 1, 2)
    assert messages.build_finished and messages.build_success is False
    error, warning = messages.ranked()
    assert (error.level, error.code, error.file, error.line, error.column) == (
        "error",
        "E0308",
        "src/lib.rs",
        6,
        22,
    )
    assert error.absolute_path == "/fixtures/lib_errors/src/lib.rs"
    assert error.rendered.startswith("error[E0308]: mismatched types") and not ANSI_ESCAPE.search(
        error.rendered
    )
    assert warning.code == "unused_variables"
    assert [s.replacement for s in warning.suggestions] == ["_unused_value"]


def test_the_summary_lines_rustc_adds_are_not_diagnostics() -> None:
    messages = parsed("cargo_check_lib_errors.jsonl", "/fixtures/lib_errors")
    assert not any(
        d.message.startswith(("aborting due to", "For more information")) for d in messages.diagnostics
    )


def test_a_message_seen_twice_counts_once() -> None:
    messages = parsed("cargo_check_lib_errors.jsonl", "/fixtures/lib_errors")
    for line in lines("cargo_check_lib_errors.jsonl"):
        messages.feed(line)
    assert messages.counts.total == 2 and len(messages.diagnostics) == 2


@pytest.mark.parametrize("cap", [1, 5, 60])
def test_the_cap_limits_what_is_kept_never_what_is_counted_nor_an_error(cap: int) -> None:
    everything = parsed("cargo_clippy_unsafe_audit.jsonl", "/fixtures/unsafe_audit")
    capped = parsed("cargo_clippy_unsafe_audit.jsonl", "/fixtures/unsafe_audit", cap)
    assert everything.counts.total >= 7
    assert capped.counts.total == everything.counts.total
    errors = everything.counts.errors
    assert (
        min(cap, everything.counts.total)
        <= len(capped.diagnostics)
        <= min(cap, everything.counts.total) + errors
    )


def test_errors_rank_before_warnings_then_by_file_and_line() -> None:
    messages = CompilerMessages(Path("/fixtures"), 60)
    for line in lines("cargo_clippy_unsafe_audit.jsonl") + lines("cargo_check_lib_errors.jsonl"):
        messages.feed(line)
    ranked = messages.ranked()
    assert ranked[0].level == "error"
    keys = [({"error": 0, "warning": 1}.get(d.level, 2), d.file or "", d.line or 0) for d in ranked]
    assert keys == sorted(keys)
    codes = {d.code for d in ranked}
    assert {"clippy::undocumented_unsafe_blocks", "clippy::missing_safety_doc", "E0308"} <= codes


def test_lines_that_are_not_cargo_messages_are_left_alone() -> None:
    messages = CompilerMessages(Path("/fixtures"), 60)
    for text in ["", "hello", '{"reason": not json', '{"other":1}', "test foo ... ok"]:
        assert not messages.feed(text)
    assert messages.counts.total == 0


def test_libtest_report_of_a_failing_run() -> None:
    report = LibtestReport()
    for line in lines("cargo_test_tests_mixed.stdout"):
        report.feed(line)
    summary = report.finish()
    assert (summary.passed, summary.failed, summary.ignored, summary.suites) == (1, 1, 1, 1)
    [failure] = summary.failures
    assert failure.name == "tests::doubles_wrongly"
    assert "three doubled" in failure.output and "left: 6" in failure.output
    assert "tests_mixed::tests::doubles_wrongly" in failure.output  # the user's own frame is kept
    assert "core::panicking" not in failure.output and "frames in std and core left out" in failure.output


def test_backtrace_trimming_keeps_user_frames_and_counts_the_rest() -> None:
    trace = [
        "stack backtrace:",
        "   0: __rustc::rust_begin_unwind",
        "             at /rustc/abc/library/std/src/panicking.rs:689:5",
        "   1: my_crate::parse",
        "             at ./src/lib.rs:10:5",
        "   2: core::ops::function::FnOnce::call_once",
        "after",
    ]
    assert trim_backtrace(trace) == [
        "stack backtrace:",
        "   1: my_crate::parse",
        "             at ./src/lib.rs:10:5",
        "   [2 frames in std and core left out]",
        "after",
    ]


def test_progress_from_cargo_stderr() -> None:
    updates = [u for u in map(parse_progress, lines("cargo_check_workspace.stderr")) if u is not None]
    counted = [(u.done, u.total) for u in updates if u.done is not None]
    assert counted == [(0, 4), (0, 4), (1, 4), (2, 4), (3, 4)]
    assert updates[0].message.startswith("Compiling macros v0.1.0")
    assert updates[-1].message.startswith("Finished `dev` profile")
    waiting = parse_progress("    Blocking waiting for file lock on build directory")
    # the build directory is shared with rust-analyzer's check: the progress says who may hold it
    assert waiting is not None and waiting.message.startswith("waiting for file lock on build directory")
    assert "rust-analyzer's check" in waiting.message
    assert parse_progress("random text") is None and parse_progress("   ") is None
