"""Cross-target checks (`targets=[...]`): one cargo run per target triple, sharing the target
directory, folded into one result with a row per target."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from cargo_mcp.results import verdicts
from cargo_mcp.results.models import CargoResult, TargetOutcome
from rust_mcp.core import budgets
from rust_mcp.core.compiler_messages import DiagnosticCounts

if TYPE_CHECKING:
    from cargo_mcp.run.cargo_service import CargoService
    from cargo_mcp.run.invocation import CallRequest

TargetStatus = Literal["ok", "errors", "std_missing", "failed"]


def target_outcome(triple: str, result: CargoResult) -> TargetOutcome:
    """One target's row: how it went, and its first errors (none when its std is missing)."""
    missing = next((h for h in result.hints if "rustup target add" in h), None)
    errors = [d for d in result.diagnostics if d.level.startswith("error")]
    status: TargetStatus
    if result.ok:
        status = "ok"
    elif missing is not None:
        status = "std_missing"
    elif result.counts.errors:
        status = "errors"
    else:
        status = "failed"
    return TargetOutcome(
        target=triple,
        status=status,
        exit_code=result.exit_code,
        errors=result.counts.errors,
        warnings=result.counts.warnings,
        duration_ms=result.duration_ms,
        diagnostics=[] if missing else errors[: budgets.CARGO_MATRIX_ERRORS],
        hint=missing,
    )


async def run_target_matrix(service: CargoService, request: CallRequest) -> CargoResult:
    """Check each target in turn, sharing the target directory, and report a row per target."""
    base = {key: value for key, value in request.values.items() if key not in ("targets", "offset")}
    invocations = [
        service.prepare(request.command, {**base, "target": t}, request.working_directory)
        for t in request.values["targets"]
    ]
    rows: list[TargetOutcome] = []
    last: CargoResult | None = None
    for invocation, triple in zip(invocations, request.values["targets"], strict=True):
        last = await service.execute(invocation, request.report, policy=request.policy)
        rows.append(target_outcome(triple, last))
    assert last is not None
    result = last.model_copy(
        update={
            "ok": all(row.status == "ok" for row in rows),
            "exit_code": next((row.exit_code for row in rows if row.status != "ok"), 0),
            "duration_ms": sum(row.duration_ms for row in rows),
            "diagnostics": [],
            "counts": DiagnosticCounts(),
            "targets": rows,
            "stdout": "",
            "stderr": "",
            "hints": sorted({row.hint for row in rows if row.hint}),
        }
    )
    result.summary = verdicts.matrix_summary(result)
    return result
