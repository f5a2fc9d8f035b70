"""Dependency changes with `verify` ("check" or "test"): a baseline run, the change, the same run
again; a change that adds a failure is undone byte for byte."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from cargo_mcp.results import verdicts
from cargo_mcp.results.models import CargoResult, Verification
from cargo_mcp.run.guards import restore_quietly, unguardable
from cargo_mcp.table.rows import VERIFY_COMMANDS
from rust_mcp.core import budgets
from rust_mcp.core.cargo_projects import WalkTooLarge
from rust_mcp.core.files import FileSnapshot

if TYPE_CHECKING:
    from cargo_mcp.run.cargo_service import CargoService
    from cargo_mcp.run.invocation import Invocation
    from rust_mcp.core.budgets import ProgressCallback
    from rust_mcp.core.client_policy import ClientPolicy


async def change_and_verify(
    service: CargoService,
    invocation: Invocation,
    values: Mapping[str, Any],
    working_directory: Path | None,
    report: ProgressCallback | None,
    policy: ClientPolicy | None,
) -> CargoResult:
    """Check or test first (the baseline), change the dependencies, then check or test again. A
    change that adds no failure the baseline did not have is kept (and the result says the build
    was already failing); one that adds a failure, or a call cancelled part way, puts every
    Cargo.toml and Cargo.lock back byte for byte."""
    verify = str(values["verify"])
    # every manifest of the project, walked (WALKED_DIRECTORIES at most) and read (256 MiB at most)
    # off the event loop; a project too large to walk is refused before the baseline runs
    try:
        snapshot = await anyio.to_thread.run_sync(
            FileSnapshot.manifests, invocation.workspace_root, abandon_on_cancel=True
        )
    except WalkTooLarge as exc:
        raise unguardable(invocation, exc) from exc
    checker = VERIFY_COMMANDS[verify]
    check_values = {
        "path": str(invocation.manifest),
        "toolchain": values.get("toolchain"),
        "cargo_env": values.get("cargo_env"),
        "timeout_secs": values.get("timeout_secs"),
        "workspace": True,
        "all_targets": verify == "check",
    }
    try:
        baseline = await service.execute(
            service.prepare(checker, check_values, working_directory), report, policy=policy
        )
        changed = await service.execute(invocation, report, guard=snapshot, policy=policy)
        if not changed.ok:
            await anyio.to_thread.run_sync(snapshot.restore)
            return changed
        checked = await service.execute(
            service.prepare(checker, check_values, working_directory), report, policy=policy
        )
    except BaseException:  # cancelled or failed part way: leave the files as they were
        await restore_quietly(snapshot)
        raise
    before, after = failures(baseline), failures(checked)
    new = [failure for failure in after if failure not in before]
    keep = checked.ok or (not baseline.ok and not new)
    verification = Verification(
        command=verify,
        ok=checked.ok,
        summary=checked.summary,
        tests=checked.tests,
        log_path=checked.log_path,
        diagnostics=[d for d in checked.diagnostics if d.level.startswith("error")][
            : budgets.CARGO_MATRIX_ERRORS
        ],
        baseline_ok=baseline.ok,
        baseline_summary=baseline.summary,
        new_failures=new[: budgets.CARGO_NEW_FAILURES],
    )
    if not keep:
        verification.restored = await anyio.to_thread.run_sync(snapshot.restore)
        verification.reverted = True
    result = changed.model_copy(update={"ok": keep, "verification": verification})
    result.changed_files = [] if verification.reverted else changed.changed_files
    result.summary = verdicts.verified_summary(result)
    return result


def failures(result: CargoResult) -> list[str]:
    """What failed in a check or test run, as comparable lines: each error (code, message, place)
    and each failing test; a failure nothing explains is cargo's own error line."""
    found = [
        f"error{f'[{d.code}]' if d.code else ''}: {d.message} ({d.file}:{d.line})"
        for d in result.diagnostics
        if d.level.startswith("error")
    ]
    found += [f"test {failure.name} failed" for failure in (result.tests.failures if result.tests else [])]
    if not result.ok and not found:
        cause = next((line for line in result.stderr.splitlines() if line.startswith("error")), None)
        found.append(cause or f"cargo failed (exit {result.exit_code})")
    return found
