"""Which way one cargo tool call runs: the answer to a repeat (shared_checks.Repeats), a target
matrix, a scoped check, the outdated report, a dependency change verified by a check, or one plain
cargo run (CargoService.execute). Above the service and the workflows, so neither imports the other
back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import anyio

from cargo_mcp.results import render
from cargo_mcp.results.models import CargoResult, WorkingDirectoryResult
from cargo_mcp.run.cargo_service import HOW_TO_PICK, CargoService
from cargo_mcp.run.invocation import CallRequest, Way
from cargo_mcp.run.shared_checks import LAST_SHARED, KeptText, Repeats
from cargo_mcp.table.command import check_combination
from cargo_mcp.workflows.outdated import run_outdated
from cargo_mcp.workflows.scoped import run_scoped
from cargo_mcp.workflows.target_matrix import run_target_matrix
from cargo_mcp.workflows.verified_change import change_and_verify
from rust_mcp.core.capability import ConfirmCallback, no_questions
from rust_mcp.core.cargo_projects import find_manifest
from rust_mcp.core.containment import refuse_unwritable
from rust_mcp.core.errors import Refusal
from rust_mcp.core.roots import PathRefused
from rust_mcp.core.workspace_discovery import discover_project


async def answer_call(
    service: CargoService, request: CallRequest, confirm: ConfirmCallback = no_questions
) -> tuple[CargoResult, str]:
    """A tool call's result and its text: the same call asked again with nothing changed is answered
    by the shared check that answered it (Repeats), else `call_tool` runs it and its text is rendered."""
    command, values, working_directory = request.command, request.values, request.working_directory
    call = Repeats.call_key(command.name, values, working_directory, request.policy)
    repeated = await service.repeats.answer(call, command.answers_from_analyzer, service.toolchains)
    if repeated is not None:
        return repeated
    LAST_SHARED.set(None)
    result = await call_tool(service, request, confirm)
    check, asked = LAST_SHARED.get(), _asked(service, request)
    if check is not None and asked is not None and check.invocation.command is command:
        kept = KeptText(*render.text_around_hints(check.result))
        roots = service.settings.roots
        await anyio.to_thread.run_sync(service.repeats.remember, call, check, asked, kept, roots)
    return result, render.result_text(result)


def _asked(service: CargoService, request: CallRequest) -> Path | None:
    """The project directory a call that one cargo run answers names, as named (not resolved); None
    for a call that is not one run (request.way), asks first, or names its project otherwise (`~`,
    a file:// URI)."""
    if request.way is not Way.ONE_RUN or request.command.confirmation:
        return None
    base = request.working_directory or service.settings.roots.default
    raw: str | None = request.values.get("path")
    if raw is None:
        return base
    if "://" in raw or raw.startswith("~") or "\x00" in raw:
        return None
    return base / raw  # an absolute `raw` is itself


async def call_tool(
    service: CargoService, request: CallRequest, confirm: ConfirmCallback = no_questions
) -> CargoResult:
    """One tool call: one cargo run, or several for a target matrix or a verified change.
    Destructive commands ask `confirm` first (after validation, before anything runs).
    `policy` is the client's own sandbox for this call, which narrows ours; it is passed down
    explicitly to every run (None: the client sent none). A call without `path` where no Cargo.toml
    governs the working directory, or whose `path` is such a directory, uses the one Cargo workspace
    below it, and says so."""
    found, values = None, request.values
    if values.get("path") is None:
        start = request.working_directory or service.settings.roots.default
        working, found = await discover_project(start, service.settings.roots, HOW_TO_PICK)
        request = replace(request, working_directory=working)
    elif await anyio.Path(named := service.project_dir(values["path"], request.working_directory)).is_dir():
        # a directory named that no Cargo.toml governs (the repository root a model passes as its
        # working directory): the one workspace below it, as without `path`, or a refusal naming them
        project, found = await discover_project(named, service.settings.roots, HOW_TO_PICK)
        request = replace(request, values={**values, "path": str(project)})
    result = await _route(service, request, confirm)
    if found is not None:
        result.hints.insert(0, found)
    return result


async def _route(service: CargoService, request: CallRequest, confirm: ConfirmCallback) -> CargoResult:
    command, values, working_directory = request.command, request.values, request.working_directory
    report, policy = request.report, request.policy
    check_combination(command, values)
    if request.way is Way.TARGET_MATRIX:
        return await run_target_matrix(service, request)
    if request.way is Way.SCOPED:
        return await run_scoped(service, request)
    if request.way is Way.OUTDATED:
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
    if request.way is Way.VERIFIED_CHANGE:
        return await change_and_verify(service, invocation, values, working_directory, report, policy)
    return await service.execute(
        invocation, report, policy=policy, answer_by=service.settings.answer_deadline
    )


async def working_directory(
    service: CargoService, raw: str, current: Path | None
) -> tuple[Path, WorkingDirectoryResult]:
    """set_working_directory's answer: the directory (checked to be one, within the roots) and the
    manifest cargo tools will default to from there, or why there is none yet."""
    path = service.project_dir(raw, current)
    if not await anyio.Path(path).is_dir():
        raise PathRefused(f"path {raw!r} is not a directory; pass a project directory")
    try:
        project, found = await discover_project(path, service.settings.roots, HOW_TO_PICK)
        manifest: Path | None = find_manifest(project, service.settings.roots)
        note = f"cargo tools will default to {manifest}" + (f" ({found})" if found else "")
    except PathRefused as exc:
        manifest = None
        note = f"no Cargo.toml here yet ({exc}); pass `path` relative to this directory"
    return path, WorkingDirectoryResult(
        working_directory=str(path), manifest=str(manifest) if manifest else None, note=note
    )
