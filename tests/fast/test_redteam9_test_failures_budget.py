"""Ninth red team: a cargo_test answer listed every failing test, each with its whole name, in the
structured result. Test names are the agent's and have no length limit, and a refactor can fail
hundreds of tests: 300 failures came to 467 KB of JSON, four 20,000-character names to 81 KB
(budget 10 KiB; Codex cuts at about 10 KiB). Now names are clipped, then fewer failures are listed,
the first ones kept and the rest counted in a hint (real result models, shaped as returned)."""

from __future__ import annotations

import pytest

from cargo_mcp.results import models
from cargo_mcp.results.models import CargoResult
from cargo_mcp.results.render import shape_for_model
from rust_mcp.core import budgets
from rust_mcp.core.compiler_messages import Diagnostic, DiagnosticCounts, Suggestion


def _failed(count: int, name_length: int, running: int = 0) -> CargoResult:
    result = CargoResult(
        tool="cargo_test",
        ok=False,
        exit_code=101,
        summary="cargo test failed",
        argv=["cargo", "test"],
        cwd="/w",
        manifest="/w/Cargo.toml",
        toolchain="stable",
        duration_ms=1,
    )
    named = [f"t{n}_" + "n" * name_length for n in range(count)]
    failures = [models.TestFailure(name=name, output="o" * 2_000) for name in named]
    result.tests = models.TestSummary(failed=count, failures=failures, running=["r" * 50_000] * running)
    return result


@pytest.mark.parametrize(("count", "name_length", "running"), [(300, 40, 0), (4, 20_000, 0), (300, 40, 100)])
def test_many_or_long_named_failures_fit_the_structured_budget(
    count: int, name_length: int, running: int
) -> None:
    shaped = shape_for_model(_failed(count, name_length, running))
    size = len(budgets.compact_json(shaped.model_dump(mode="json")))
    assert size <= budgets.ANSWER_STRUCTURED_BUDGET, size
    assert shaped.tests is not None and shaped.tests.failed == count
    listed = shaped.tests.failures
    assert listed and listed[0].name.startswith("t0_"), "the first failure is not listed first"
    if len(listed) < count:
        assert any(f"{count - len(listed)} more failing tests" in hint for hint in shaped.hints), shaped.hints
    if len(shaped.tests.running) < running:
        assert any("still running are not listed" in hint for hint in shaped.hints), shaped.hints


def test_diagnostics_in_files_at_very_long_paths_fit_the_structured_budget() -> None:
    """A path may be 4,096 characters long, and each diagnostic carries its file twice (relative and
    absolute), with suggestions whose replacements have no limit: five diagnostics were 41 KB."""
    path = "/".join(["d" * 250] * 16) + "/x.rs"
    result = _failed(0, 0)
    result.tool, result.tests = "cargo_check", None
    replacement = Suggestion(
        message="m", file=path, line=1, column=1, end_line=1, end_column=1, replacement="r" * 50_000
    )
    result.diagnostics = [
        Diagnostic(
            level="error",
            message=f"error {n}",
            file=path,
            absolute_path=f"/w/{path}",
            line=1,
            column=1,
            rendered="error",
            suggestions=[replacement],
        )
        for n in range(10)
    ]
    result.counts = DiagnosticCounts(errors=10, total=10)
    shaped = shape_for_model(result)
    size = len(budgets.compact_json(shaped.model_dump(mode="json")))
    assert size <= budgets.ANSWER_STRUCTURED_BUDGET, size
    assert shaped.diagnostics and shaped.diagnostics[0].message == "error 0"
    assert shaped.diagnostics[0].file is not None and shaped.diagnostics[0].file.startswith("ddd")
