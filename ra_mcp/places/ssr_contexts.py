"""Where a workspace-wide SSR rule's paths are resolved: rust-analyzer resolves them in the crate of a
context file, so the context must be a crate that can name them. A rule written with a crate's name
(`regex_syntax::hir::Hir::concat($a)`) resolves only in crates that depend on that crate (not in the
crate itself, which calls itself `crate`), so those crates' roots are tried first."""

from __future__ import annotations

import re
from pathlib import Path

from rust_mcp.core.cargo_projects import package_directories, project_files, read_manifest
from rust_mcp.core.errors import Refusal

MAX_CONTEXTS = 24  # crate roots tried, at most, before the rule is refused as unresolvable
LEADING_SEGMENT = re.compile(r"(?<![\w:$])([A-Za-z_]\w*)::")
DEPENDENCY_TABLES = ("dependencies", "dev-dependencies", "build-dependencies")


def crate_names_in(rule: str) -> set[str]:
    """The first segments of the rule's paths that may be crate names (`regex_syntax` in
    `regex_syntax::hir::Hir`), not `crate`, `self`, `super` or `Self`."""
    return {name for name in LEADING_SEGMENT.findall(rule)} - {"crate", "self", "super", "Self"}


def _dependencies(directory: Path) -> set[str]:
    """The names a package's manifest lets its code use (dashes as underscores), any target."""
    manifest = read_manifest(directory / "Cargo.toml")
    tables: list[object] = [manifest.get(name) for name in DEPENDENCY_TABLES]
    targets = manifest.get("target")
    for target in targets.values() if isinstance(targets, dict) else ():
        if isinstance(target, dict):
            tables += [target.get(name) for name in DEPENDENCY_TABLES]
    return {str(name).replace("-", "_") for table in tables if isinstance(table, dict) for name in table}


def crate_roots(root: Path, rule: str) -> list[Path]:
    """The lib.rs and main.rs of the workspace's packages to resolve `rule` in: those that depend on a
    crate the rule names first, then the root package, then the rest by directory (a build script is
    a crate of its own and sees none of the workspace, so never one)."""
    named = crate_names_in(rule)
    packages = package_directories(root)

    def rank(directory: Path) -> tuple[bool, bool, str]:
        return (not (named & _dependencies(directory)), directory != root, str(directory))

    found = [
        directory / "src" / name
        for directory in sorted(packages.values(), key=rank)
        for name in ("lib.rs", "main.rs")
        if (directory / "src" / name).is_file()
    ]
    return found[:MAX_CONTEXTS] or [any_source(root)]


def any_source(root: Path) -> Path:
    """A Rust file of the workspace (its name only is sent) to give SSR a context; never through a
    directory link, never in build output."""
    for entry in project_files(root, lambda name: name.endswith(".rs")):
        return Path(entry.path)
    raise Refusal(f"no Rust source files under {root}")
