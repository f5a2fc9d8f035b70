"""Scoped checks (`changed=true`): run cargo only on the workspace members that own files changed
since a git revision, plus the members that depend on them, and say which and why."""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from anyio.abc import TaskGroup

from cargo_mcp.results.models import CargoResult
from cargo_mcp.results.workflow_models import Scope, ScopedPackage
from cargo_mcp.run.helper_runs import workspace_metadata
from cargo_mcp.run.scope_choice import choose_run, is_warm, run_key
from cargo_mcp.table.rows import METADATA
from cargo_mcp.workflows.git_changes import HIDDEN_BUILD_FILES, Changes, changed_since

if TYPE_CHECKING:
    from cargo_mcp.run.cargo_service import CargoService
    from cargo_mcp.run.invocation import CallRequest, Invocation

DEFAULT_SINCE = "HEAD"
FILES_LISTED = 20
SKIPPED_LISTED = 30  # members left out that a scope names (all are counted)
# files at the workspace root that change how every member builds
WORKSPACE_FILES = frozenset(
    {"Cargo.toml", "Cargo.lock", "rust-toolchain", "rust-toolchain.toml", *HIDDEN_BUILD_FILES}
)


def select_packages(metadata: Mapping[str, Any], changes: Changes) -> Scope:
    """The members owning a changed file (the deepest member directory holding it), every member
    when a workspace-wide file changed, then every member depending on those, transitively."""
    root = Path(str(metadata["workspace_root"])).resolve()
    ids = set(metadata.get("workspace_members") or [])
    packages = [p for p in metadata["packages"] if p.get("id") in ids]  # never a dependency's package
    members = {str(p["name"]): Path(str(p["manifest_path"])).resolve().parent for p in packages}
    reasons: dict[str, str] = {}
    for file in changes.files:
        if file in WORKSPACE_FILES:
            for name in members:
                reasons.setdefault(name, f"workspace file changed: {file}")
            continue
        path = root / file
        owners = [name for name, directory in members.items() if path.is_relative_to(directory)]
        if owners:
            owner = max(owners, key=lambda name: len(members[name].parts))
            reasons.setdefault(owner, f"changed: {path.relative_to(members[owner]).as_posix()}")
    # a member depends on another through a path dependency, or by name through [patch] (taken as
    # a dependency whatever its version: a wider scope is safe, a narrower one is not)
    dependents: dict[str, set[str]] = {name: set() for name in members}
    by_directory = {directory: name for name, directory in members.items()}
    for package in packages:
        for dependency in package.get("dependencies") or []:
            path = dependency.get("path")
            target = by_directory.get(Path(str(path)).resolve()) if path else str(dependency.get("name"))
            if target in dependents and target != package["name"]:
                dependents[target].add(str(package["name"]))
    queue = deque(sorted(reasons))
    while queue:
        name = queue.popleft()
        for dependent in sorted(dependents[name]):
            if dependent not in reasons:
                reasons[dependent] = f"depends on {name}"
                queue.append(dependent)
    skipped = sorted(set(members) - reasons.keys())
    return Scope(
        since=changes.revision,
        changed_files=len(changes.files),
        files=changes.files[:FILES_LISTED],
        packages=[ScopedPackage(name=name, reason=reason) for name, reason in reasons.items()],
        skipped=skipped[:SKIPPED_LISTED],
        skipped_count=len(skipped),
    )


async def find_scope(service: CargoService, request: CallRequest, invocation: Invocation) -> Scope:
    """The members in scope: cargo metadata for the members, git for what changed."""
    describe = {key: request.values.get(key) for key in ("toolchain", "cargo_env", "timeout_secs")}
    members = service.prepare(
        METADATA,
        {**describe, "path": str(invocation.manifest), "no_deps": True},  # the members, not their deps
        request.working_directory,
    )
    metadata = await workspace_metadata((await service.launches.prepare(members, request.policy)).command)
    root = Path(str(metadata["workspace_root"]))
    since = request.values.get("since") or DEFAULT_SINCE
    roots = service.settings.roots
    changes = await changed_since(root, since, invocation.env, deadline=invocation.timeout, roots=roots)
    return select_packages(metadata, changes)


async def run_scoped(service: CargoService, request: CallRequest) -> CargoResult:
    """Validate the call as usual, find the scope, then run cargo on it, or on the whole workspace
    when that is the same units or cheaper (run/scope_choice.py). A warm workspace-wide run is started
    at once, alongside finding the scope, so the scope costs no time on top of it."""
    plain = {key: value for key, value in request.values.items() if key not in ("changed", "since")}
    invocation = service.prepare(request.command, plain, request.working_directory)
    warm = request.command.compile_only and await anyio.to_thread.run_sync(
        is_warm, await service.launches.build_dir(invocation, request.policy), run_key(invocation)
    )

    def run(selected: list[str]) -> Awaitable[CargoResult]:
        prepared = service.prepare(request.command, plain, request.working_directory, selected)
        return service.execute(prepared, request.report, policy=request.policy)

    result: CargoResult | None = None
    if warm:
        scope, result = await _alongside(
            lambda: find_scope(service, request, invocation), lambda: run(["--workspace"])
        )
    else:
        scope = await find_scope(service, request, invocation)
    if not scope.packages:
        result = invocation.result(
            f"nothing to run: no workspace package changed since {scope.since}", duration_ms=0, argv=[]
        )
        result.scope = scope
        return result
    total = len(scope.packages) + scope.skipped_count
    choice = choose_run(request.command, len(scope.packages), total, warm)
    scope.run, scope.run_reason = choice.run, choice.reason
    if result is None:
        packages = [arg for package in scope.packages for arg in ("--package", package.name)]
        result = await run(["--workspace"] if choice.run == "workspace" else packages)
    how = "whole workspace:" if scope.run == "workspace" else "scoped to"
    result.summary += f" ({how} {len(scope.packages)} of {total} packages changed since {scope.since})"
    result.scope = scope
    return result


async def _alongside(
    scope: Callable[[], Awaitable[Scope]], run: Callable[[], Awaitable[CargoResult]]
) -> tuple[Scope, CargoResult | None]:
    """Both at once; a refusal or failure of either cancels the other and is raised as itself. An
    empty scope stops the run (nothing to run, as without it)."""
    results: list[CargoResult] = []
    errors: list[Exception] = []
    found: list[Scope] = []

    async def guarded(work: Callable[[], Awaitable[Any]], into: list[Any], group: TaskGroup) -> None:
        try:
            into.append(await work())
        except Exception as exc:  # raised below, outside the group (not as an ExceptionGroup)
            errors.append(exc)
            group.cancel_scope.cancel()

    async with anyio.create_task_group() as group:
        group.start_soon(guarded, run, results, group)
        await guarded(scope, found, group)
        if found and not found[0].packages:
            group.cancel_scope.cancel()
    if errors:
        raise errors[0]
    return found[0], (results[0] if results else None)
