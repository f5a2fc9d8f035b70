"""A `package` value that names a workspace member means the member, even when a dependency has its
name too.

futures-util's `compat` feature needs futures 0.1 under the name `futures`, so futures' own workspace
locks two packages named `futures` (0.1.31 from crates.io, the 0.3.34 member): `cargo check -p
futures` there failed with "specification `futures` is ambiguous" (field test 11, futures 0.3.34).
When the Cargo.lock holds more than one package of the bare name asked for and one of them is a
member, cargo is given the member's own spec: `name@version`, or its path-based package id when a
dependency has that version too. Anything else (no lockfile, a spec with a version, no member of that
name) goes to cargo as written; when cargo then finds it ambiguous, a hint names the values to pass.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable
from pathlib import Path

from cargo_mcp.table.command import own_arguments
from rust_mcp.core.budgets import NAME_LIMIT
from rust_mcp.core.cargo_projects import package_directories
from rust_mcp.core.clipping import clip_end
from rust_mcp.core.errors import Refusal
from rust_mcp.core.lockfile import LockedPackage, locked_packages
from rust_mcp.core.project_files import off_loop

from .invocation import Invocation

PACKAGE_FLAG = "--package"
# cargo 1.9x writes "specificationm" (sic); the choices follow, one indented spec a line
AMBIGUOUS = re.compile(
    r"specification\w* `(?P<spec>[^`]+)` is ambiguous\n(?:help:[^\n]*\n)?(?P<choices>(?:[ \t]+\S+\n?)+)"
)
NAMED_CHOICES = 5
log = logging.getLogger(__name__)


def member_spec(name: str, workspace_root: Path) -> str:
    """The spec for cargo of `name` (a `package` value) in the workspace at `workspace_root`: the
    member's unambiguous spec when the lockfile holds several packages of that name, else `name`.
    Blocking (reads Cargo.lock, and the members' manifests when it must)."""
    return _spec(name, workspace_root, _locked(workspace_root))


Argv = Callable[[str | None, list[str]], list[str]]


async def with_members(invocation: Invocation, argv: Argv) -> Invocation:
    """`invocation` with its `--package` values as with_member_specs writes them, and its argv made
    again by `argv(toolchain, args)`. Off the loop: the lockfile may be 32 MiB of TOML and the member
    lookup walks the tree, which on the loop stalled every session of the engine."""
    what = "reading Cargo.lock for the packages named"
    args = await off_loop(
        with_member_specs, invocation.args, invocation.workspace_root, deadline=invocation.timeout, what=what
    )
    if args == invocation.args:
        return invocation
    return dataclasses.replace(invocation, args=args, argv=argv(invocation.toolchain, args))


def with_member_specs(args: list[str], workspace_root: Path) -> list[str]:
    """cargo's `args` (the subcommand first) with each `--package NAME` before `--` replaced by
    member_spec's (the lockfile read once); cargo update's as they are (it names what to update)."""
    out = list(args)
    own = own_arguments(out)
    places = [index + 1 for index, arg in enumerate(own[:-1]) if arg == PACKAGE_FLAG and own[0] != "update"]
    locked = _locked(workspace_root) if places else ()
    for index in places:
        out[index] = _spec(out[index], workspace_root, locked)
    return out


def _locked(workspace_root: Path) -> tuple[LockedPackage, ...]:
    try:
        return locked_packages(workspace_root / "Cargo.lock") or ()
    except (Refusal, OSError) as exc:
        log.debug("no lockfile read at %s: %s", workspace_root, exc)
        return ()


def _spec(name: str, workspace_root: Path, locked: tuple[LockedPackage, ...]) -> str:
    if any(mark in name for mark in "@:#/"):  # already a spec: cargo reads it as written
        return name
    same = [package for package in locked if package.name == name]
    members = [package for package in same if package.source is None]  # the workspace's (and path) ones
    if len(same) < 2 or len(members) != 1:
        return name
    version = members[0].version
    if sum(package.version == version for package in same) == 1:
        return f"{name}@{version}"
    directory = package_directories(workspace_root).get(name)
    return (
        name
        if directory is None
        else f"{directory.as_uri().replace('file:', 'path+file:', 1)}#{name}@{version}"
    )


def ambiguity_hint(stderr: str) -> str | None:
    """When cargo found a `package` spec ambiguous (two locked packages of one name, no member among
    them), the values to pass instead, as cargo lists them; else None."""
    match = AMBIGUOUS.search(stderr)
    if match is None:
        return None
    choices = match["choices"].split()
    shown = ", ".join(f'package="{clip_end(choice, NAME_LIMIT)}"' for choice in choices[:NAMED_CHOICES])
    more = f" (and {len(choices) - NAMED_CHOICES} more)" if len(choices) > NAMED_CHOICES else ""
    return f"cargo finds package `{match['spec']}` ambiguous: pass one of {shown}{more}."
