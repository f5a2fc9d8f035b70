"""Which way one cargo tool call runs: a target matrix, a scoped check, the outdated report, a
dependency change verified by a check, or one plain cargo run (CargoService.execute). Above the
service and the workflows, so neither imports the other back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from rust_mcp.core.budgets import ProgressCallback
from rust_mcp.core.client_policy import ClientPolicy, current_client_policy
from rust_mcp.core.containment import refuse_unwritable
from rust_mcp.core.errors import Refusal
from rust_mcp.core.workspace_discovery import discover_project
from rust_mcp.mcp.confirm import no_questions

from .calls import HOW_TO_PICK, CargoService
from .cargo_command import CargoCommand
from .commands import check_combination
from .invocation import CallRequest
from .models import CargoResult
from .outdated import run_outdated
from .scoped import run_scoped
from .target_matrix import run_target_matrix
from .verified_change import change_and_verify

ConfirmCallback = Callable[[str], Awaitable[bool]]


async def call_tool(
    service: CargoService,
    command: CargoCommand,
    values: Mapping[str, Any],
    working_directory: Path | None,
    report: ProgressCallback | None = None,
    confirm: ConfirmCallback = no_questions,
    policy: ClientPolicy | None = None,
) -> CargoResult:
    """One tool call: one cargo run, or several for a target matrix or a verified change.
    Destructive commands ask `confirm` first (after validation, before anything runs).
    `policy` is the client's own sandbox for this call, which narrows ours (by default the one
    the server recorded for the call being served). A call without `path` where no Cargo.toml
    governs the working directory uses the one Cargo workspace below it, and says so."""
    found = None
    if values.get("path") is None:
        start = working_directory or service.settings.roots.default
        working_directory, found = await discover_project(start, service.settings.roots, HOW_TO_PICK)
    result = await _route(service, command, values, working_directory, report, confirm, policy)
    if found is not None:
        result.hints.insert(0, found)
    return result


async def _route(
    service: CargoService,
    command: CargoCommand,
    values: Mapping[str, Any],
    working_directory: Path | None,
    report: ProgressCallback | None,
    confirm: ConfirmCallback,
    policy: ClientPolicy | None,
) -> CargoResult:
    check_combination(command, values)
    policy = policy if policy is not None else current_client_policy.get()
    request = CallRequest(command, values, working_directory, report, policy)
    if values.get("targets"):
        return await run_target_matrix(service, request)
    if values.get("changed") or values.get("since"):
        return await run_scoped(service, request)
    if command.output == "outdated":
        return await run_outdated(service, request)
    invocation = service.prepare(command, values, working_directory)
    if (command.guards is not None or command.edits_project) and not values.get("dry_run"):
        refuse_unwritable(policy, invocation.cwd, command.name, "dry_run" in command.params)
    if invocation.toolchain:
        await service.toolchains.check_installed(invocation.toolchain)
    if command.confirmation and not values.get("dry_run"):
        question = command.confirmation.format(
            project=invocation.cwd,
            manifest=invocation.manifest,
            dependencies=", ".join(values.get("dependencies") or []) or "the dependencies",
            target_dir=await service.launches.doomed_directories(invocation, policy)
            if "{target_dir}" in command.confirmation
            else "",
            snapshots=", ".join(values.get("snapshots") or []),
        )
        if not await confirm(question):
            raise Refusal(f"the user declined: {question.removesuffix(' Go ahead?')}")
    if values.get("verify") and not values.get("dry_run"):
        return await change_and_verify(service, invocation, values, working_directory, report, policy)
    return await service.execute(
        invocation, report, policy=policy, answer_by=service.settings.answer_deadline
    )
