"""Workflow results stay within the structured budget and say exactly what they left out."""

from __future__ import annotations

from cargo_mcp.results import render
from cargo_mcp.results.models import CargoResult
from cargo_mcp.results.workflow_models import OutdatedDependency, PendingSnapshot
from rust_mcp.core import budgets


def result(
    snapshots: list[PendingSnapshot] | None = None, outdated: list[OutdatedDependency] | None = None
) -> CargoResult:
    return CargoResult(
        tool="t",
        ok=True,
        exit_code=0,
        summary="",
        argv=[],
        cwd="/",
        manifest="/m",
        toolchain=None,
        duration_ms=0,
        snapshots=snapshots,
        outdated=outdated,
    )


def test_many_pending_snapshots_are_cut_to_the_budget_with_a_count() -> None:
    snapshots = [
        PendingSnapshot(name=f"tests/snapshots/s{i}.snap", kind="file", diff="+x\n" * 500) for i in range(50)
    ]
    shaped = render.shape_for_model(result(snapshots=snapshots))
    assert len(shaped.model_dump_json(exclude_defaults=True)) <= budgets.CARGO_STRUCTURED_BUDGET
    assert shaped.snapshots is not None and 5 <= len(shaped.snapshots) < 50
    assert shaped.snapshots[0].name == "tests/snapshots/s0.snap"  # the first listed are kept
    assert f"{50 - len(shaped.snapshots)} more pending snapshots are not listed here" in shaped.hints[0]


def test_many_outdated_dependencies_are_cut_to_the_budget_with_a_count() -> None:
    entries = [
        OutdatedDependency(
            name=f"c{i}", member="m", req="1", locked="1.0.0", latest="2.0.0", status="new_major"
        )
        for i in range(400)
    ]
    shaped = render.shape_for_model(result(outdated=entries))
    assert len(shaped.model_dump_json(exclude_defaults=True)) <= budgets.CARGO_STRUCTURED_BUDGET
    assert shaped.outdated is not None
    assert f"{400 - len(shaped.outdated)} more outdated dependencies" in shaped.hints[0]
    small = render.shape_for_model(result(outdated=entries[:3]))
    assert small.outdated is not None and len(small.outdated) == 3 and not small.hints
