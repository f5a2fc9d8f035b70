"""Why a file looks empty or clean: its target needs features that are off.

clap's examples declare `required-features = ["derive"]` (a feature off by default). rust-analyzer
analyses every target with the package's default features, so in `examples/demo.rs` the
`#[derive(Parser)]` names the trait, not the derive macro: hover and go-to at `Args::parse()` found
nothing and the expansion said "no macro call or derive" at the derive's name. And `cargo check
--all-targets` (the flycheck) skips such a target, so the file's diagnostics came back clean with
`check_ran: true`, although no check compiled it. The target's manifest entry is the reason given.

Only the package's own Cargo.toml is read (at or above the file, never above the workspace root),
through the one door (rust_mcp.core.cargo_projects.read_manifest: no link, a regular file, size
limited); the names quoted are the project's and are clipped. Blocking: callers run it off the loop,
on the door's threads within DEADLINE (`off_loop`; a cut or cancelled call leaves it behind).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from rust_mcp.core.budgets import RENDERED_LIMIT
from rust_mcp.core.cargo_projects import (
    MANIFEST_NAME,
    MAX_MANIFEST_BYTES,
    PACKAGES_PARSED_BYTES,
    read_manifest,
)
from rust_mcp.core.clipping import clip_end
from rust_mcp.core.project_files import DoorTimeout, off_loop

A = TypeVar("A")

# a target kind's manifest table, its folder and whether a named target's default path is NAME.rs
# or NAME/main.rs there (cargo's target auto-discovery)
KINDS = (("example", "examples"), ("bin", "src/bin"), ("test", "tests"), ("bench", "benches"))
MAX_FEATURES = 10_000  # features followed through `default` (a cycle or a huge table ends there)
# manifest bytes parsed for one answer (tomllib takes ~5 s for a hostile 1 MB): each file of a
# workspace report parsed its package's manifest again, 200 times a hostile 1 MB, on one of anyio's
# threads the call's deadline could not take back
PARSED_BYTES = PACKAGES_PARSED_BYTES
DEADLINE = 10.0  # seconds a note may take (it is left out past that)


@dataclass
class Parsed:
    """The manifests parsed for one answer, and how many bytes that took (read_manifest's counter)."""

    manifests: dict[Path, dict[str, object]] = field(default_factory=dict)
    read: list[int] = field(default_factory=lambda: [0])


def _default_features(features: object) -> set[str]:
    """The package's own features that `default` turns on, followed through the table."""
    table = features if isinstance(features, dict) else {}
    enabled: set[str] = set()
    todo = ["default"]
    while todo and len(enabled) < MAX_FEATURES:
        name = todo.pop()
        if name in enabled:
            continue
        enabled.add(name)
        listed = table.get(name)
        if isinstance(listed, list):
            todo += [item for item in listed if isinstance(item, str) and "/" not in item and ":" not in item]
    return enabled


def _target_paths(folder: str, target: dict[str, object], package_dir: Path) -> list[Path]:
    path = target.get("path")
    if isinstance(path, str):
        return [Path(os.path.normpath(package_dir / path))]
    name = target.get("name")
    if not isinstance(name, str):
        return []
    return [package_dir / folder / f"{name}.rs", package_dir / folder / name / "main.rs"]


def _package_manifest(path: Path, root: Path) -> Path | None:
    """The Cargo.toml of the package `path` belongs to, looked for from its folder up to `root`."""
    directory = path.parent
    while directory.is_relative_to(root):
        if (directory / MANIFEST_NAME).is_file() and not (directory / MANIFEST_NAME).is_symlink():
            return directory / MANIFEST_NAME
        if directory == root:
            return None
        directory = directory.parent
    return None


def skipped_target(path: Path, root: Path, parsed: Parsed | None = None) -> str | None:
    """When `path` is the main file of a target (example, bin, test, bench) whose `required-features`
    are not all among its package's default features: what that means for the answers, and the
    cargo_check that does compile it. None otherwise. `parsed` keeps the manifests read for a
    workspace report, each parsed once, PARSED_BYTES of them in all (past it: None)."""
    manifest = _package_manifest(path, root)
    if manifest is None:
        return None
    parsed = Parsed() if parsed is None else parsed
    data = parsed.manifests.get(manifest)
    if data is None:
        left = PARSED_BYTES - parsed.read[0]
        if left <= 0:
            return None
        data = parsed.manifests[manifest] = read_manifest(
            manifest, min(MAX_MANIFEST_BYTES, left), parsed.read
        )
    enabled = _default_features(data.get("features"))
    for kind, folder in KINDS:
        targets = data.get(kind)
        for target in targets if isinstance(targets, list) else []:
            if isinstance(target, dict) and path in _target_paths(folder, target, manifest.parent):
                required = target.get("required-features")
                listed = required if isinstance(required, list) else []
                missing = [f for f in listed if isinstance(f, str) and f not in enabled]
                return _reason(kind, target.get("name"), missing, manifest.relative_to(root), data)
    return None


def _reason(
    kind: str, name: object, missing: list[str], manifest: Path, data: dict[str, object]
) -> str | None:
    if not missing:
        return None
    package = data.get("package")
    package_name = package.get("name") if isinstance(package, dict) else None
    package_argument = f'package="{package_name}", ' if isinstance(package_name, str) else ""
    features = ", ".join(f"`{f}`" for f in missing)
    quoted = ", ".join(f'"{f}"' for f in missing)
    reason = (
        f"this file is the {kind} `{name}`, which requires feature(s) {features} (required-features in "
        f"{manifest}), off by default: rust-analyzer analyses it with the default features, so what they "
        "enable (derives, items) is missing here, and cargo check skips it. cargo_check with "
        f"{package_argument}features=[{quoted}], all_targets=true compiles it"
    )
    return clip_end(reason, RENDERED_LIMIT)


MOST_FILES = 200  # files with findings looked up for one workspace report


def gated_files_note(paths: list[Path], root: Path) -> str | None:
    """For a workspace report: how many of the files with findings (the first MOST_FILES, in rank
    order) are such targets, and the first one's reason. clap's examples that need `cargo` gave 22
    unconfirmed `macro-error`s ("`cargo` feature flag is required") with nothing saying why."""
    parsed = Parsed()  # a package's manifest is parsed once for all its files
    found = [(path, reason) for path in paths[:MOST_FILES] if (reason := skipped_target(path, root, parsed))]
    if not found:
        return None
    path, reason = found[0]
    shown = path.relative_to(root) if path.is_relative_to(root) else path
    return (
        f"{len(found)} file(s) with findings are targets whose required features are off: rust-analyzer's "
        f"findings there may come from those features being off, and cargo check did not compile them. "
        f"The first, {clip_end(str(shown), RENDERED_LIMIT)}: {reason}"
    )


async def off_loop_note(function: Callable[[A, Path], str | None], first: A, root: Path) -> str | None:
    """`function(first, root)` (skipped_target, gated_files_note) on the door's threads, None past
    DEADLINE: a note never holds up the answer it belongs to, and a cut call leaves it behind."""
    try:
        return await off_loop(function, first, root, deadline=DEADLINE, what="reading the package's manifest")
    except DoorTimeout:
        return None
