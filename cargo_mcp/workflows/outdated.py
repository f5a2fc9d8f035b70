"""cargo_outdated: for each registry dependency of the workspace members, the version Cargo.lock has,
the newest the requirement allows and the newest overall, from the crates.io sparse index. Reads
`cargo metadata --no-deps` and Cargo.lock; installs, builds and changes nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cargo_mcp.results import render
from cargo_mcp.results.models import CargoResult
from cargo_mcp.results.workflow_models import OutdatedDependency
from cargo_mcp.run.helper_runs import workspace_metadata
from cargo_mcp.workflows.semver import Requirement, Version, newest
from cargo_mcp.workflows.sparse_index import Published, published_versions
from rust_mcp.core.errors import Refusal
from rust_mcp.core.lockfile import locked_packages
from rust_mcp.core.project_files import off_loop

if TYPE_CHECKING:
    from cargo_mcp.run.cargo_service import CargoService
    from cargo_mcp.run.invocation import CallRequest

CRATES_IO = ("crates.io-index", "index.crates.io")
RANK = {"new_major": 0, "compatible_update": 1, "unknown": 2, "not_in_registry": 3, "up_to_date": 4}


def locked_versions(workspace_root: Path) -> dict[tuple[str, str], str]:
    """(member, dependency) -> version from the workspace's Cargo.lock (empty when there is none or
    it cannot be read: the one reader, lockfile.locked_packages)."""
    try:
        packages = locked_packages(workspace_root / "Cargo.lock") or ()
    except (OSError, Refusal):
        return {}
    versions: dict[str, list[str]] = {}
    for package in packages:
        versions.setdefault(package.name, []).append(package.version)
    found: dict[tuple[str, str], str] = {}
    for package in packages:
        if package.source:
            continue  # a workspace member (or path crate) has no source
        for entry in package.dependencies:
            name, _, rest = entry.partition(" ")
            version = rest.split(" ")[0] if rest else (versions.get(name) or [""])[0]
            if version:
                found[(package.name, name)] = version
    return found


def _declared(metadata: Mapping[str, Any], member: str | None) -> list[dict[str, Any]]:
    """Each registry or git dependency a member declares, with the member's name added."""
    found = []
    for package in metadata.get("packages", []):
        if member is not None and package.get("name") != member:
            continue
        for dependency in package.get("dependencies") or []:
            if dependency.get("source"):  # path dependencies have none
                found.append({**dependency, "member": package["name"]})
    if member is not None and not any(p.get("name") == member for p in metadata.get("packages", [])):
        names = ", ".join(str(p.get("name")) for p in metadata.get("packages", []))
        raise Refusal(f"package {member!r} is not a workspace member; members: {names}")
    return found


def assess(
    dependency: Mapping[str, Any], locked: str | None, published: Published | None
) -> OutdatedDependency:
    source = str(dependency.get("source") or "")
    entry = OutdatedDependency(
        name=str(dependency["name"]),
        member=str(dependency["member"]),
        kind=dependency.get("kind") or "normal",
        req=str(dependency.get("req", "*")),
        locked=locked,
        status="unknown",
    )
    if not any(marker in source for marker in CRATES_IO):
        entry.status = "not_in_registry"
        entry.note = "a git dependency" if source.startswith("git+") else f"from another registry: {source}"
        return entry
    if published is None or not published.found:
        entry.status = "not_in_registry" if published is not None else "unknown"
        entry.note = published.note if published is not None else None
        return entry
    requirement = Requirement.parse(entry.req)
    compatible = newest(published.versions, requirement) if requirement else None
    latest = newest(published.versions)
    entry.compatible = str(compatible) if compatible else None
    entry.latest = str(latest) if latest else None
    entry.note = published.note
    current = Version.parse(locked) if locked else None
    if latest is not None and compatible is not None and latest > compatible:
        entry.status = "new_major"
    elif compatible is not None and current is not None and compatible > current:
        entry.status = "compatible_update"
    elif compatible is not None and current is not None:
        entry.status = "up_to_date"
    return entry


def next_steps(entries: list[OutdatedDependency], workspace: bool) -> list[str]:
    """How to act on the findings with the tools that revert a change that breaks the build."""
    hints = []
    compatible = sorted({e.name for e in entries if e.compatible and e.locked and e.compatible != e.locked})
    if compatible:
        hints.append(
            f"Within the requirements: cargo_update with dependencies={json.dumps(compatible)} and "
            'verify="test" (reverted byte for byte if the tests fail).'
        )
    for entry in [e for e in entries if e.status == "new_major"][:5]:
        where = f', package="{entry.member}"' if workspace else ""
        kind = ", dev=true" if entry.kind == "dev" else ", build=true" if entry.kind == "build" else ""
        spec = f"{entry.name}@{entry.latest}"
        hints.append(
            f'New major {entry.name} {entry.latest}: cargo_add with dependencies=["{spec}"]{where}{kind} '
            'and verify="test".'
        )
    return hints


async def run_outdated(service: CargoService, request: CallRequest) -> CargoResult:
    started = time.monotonic()
    invocation = service.prepare(request.command, request.values, request.working_directory)
    metadata = await workspace_metadata((await service.launches.prepare(invocation, request.policy)).command)
    declared = _declared(metadata, request.values.get("package"))
    root = Path(str(metadata["workspace_root"]))
    # a Cargo.lock of up to 32 MiB of TOML: some 30 s of parsing, which on the loop stalled every session
    locked = await off_loop(
        locked_versions, root, deadline=invocation.timeout, what=f"reading {root}/Cargo.lock"
    )
    registry = [d for d in declared if any(marker in str(d.get("source")) for marker in CRATES_IO)]
    if request.report is not None:
        await request.report(
            0, None, f"reading the crates.io index for {len({d['name'] for d in registry})} crates"
        )
    published = await published_versions([str(d["name"]) for d in registry], service.settings.index_cache)
    entries = [
        assess(d, locked.get((str(d["member"]), str(d["name"]))), published.get(str(d["name"])))
        for d in declared
    ]
    entries.sort(key=lambda e: (RANK[e.status], e.name, e.member))
    current = sum(e.status == "up_to_date" for e in entries)
    majors = sum(e.status == "new_major" for e in entries)
    updates = sum(e.status == "compatible_update" for e in entries)
    result = invocation.result(
        f"{majors + updates} of {len(entries)} dependencies have newer versions "
        f"({updates} within their requirements, {majors} new major); {current} up to date",
        duration_ms=int((time.monotonic() - started) * 1000),
        outdated=[e for e in entries if e.status != "up_to_date"],
        hints=next_steps(entries, len(metadata.get("packages", [])) > 1),
    )
    if not locked:
        result.hints.append("No locked versions were found (no Cargo.lock yet?): cargo_check creates one.")
    return render.shape_for_model(result)
