"""The places a cargo tree's files name beyond its own folder, for tree_state.py to walk and stamp:
the path dependencies, patches, workspace members, target sources and build script its manifests
name; the packages its cargo configuration names (`[patch]`, `paths`); and the configuration and
toolchain files cargo and rustup read for a run in a folder. Manifests and configuration files are
read through the one door (project_files.read_text): never through a link, never past their size
bound; one this process does not read is named None, so the tree's state is never reused."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .cargo_projects import DEPENDENCY_TABLES, MAX_MANIFEST_BYTES
from .errors import Refusal
from .file_stamps import Walk
from .project_files import read_text
from .toml_text import parse_toml
from .toolchain_files import FILE_NAMES as TOOLCHAIN_FILES

CONFIG_NAMES = ("config.toml", "config")  # cargo's configuration files in a `.cargo` folder


def dependency_paths(manifest: Path, walk: Walk) -> Iterator[Path | None]:
    """Directories of the path dependencies (and patches), the workspace members (a glob's fixed
    start) and the target sources and build script a manifest names (a source's directory, where
    its modules are: `[lib] path = "../elsewhere/lib.rs"`) (None: unresolvable, or a manifest this
    process does not read, as a link or an oversized file, that cargo reads all the same)."""
    data = _cargo_toml(manifest)
    if data is None:
        yield None
        return
    for source in _source_paths(data):
        target = walk.resolve(manifest.parent / source)
        yield None if target is None else target.parent
    workspace, targets, patches = (_table(data, name) for name in ("workspace", "target", "patch"))
    tables: list[Any] = [data.get(name) for name in DEPENDENCY_TABLES]
    tables.append(workspace.get("dependencies"))
    tables += [
        spec.get(name) for spec in targets.values() if isinstance(spec, dict) for name in DEPENDENCY_TABLES
    ]
    tables += list(patches.values())
    for table in tables:
        if not isinstance(table, dict):
            continue
        for spec in table.values():
            if isinstance(spec, dict) and isinstance(spec.get("path"), str):
                yield walk.resolve(manifest.parent / spec["path"])
    members = workspace.get("members")
    for member in members if isinstance(members, list) else []:  # cargo allows them outside the root
        if isinstance(member, str):
            parts = Path(member).parts
            fixed = next((i for i, part in enumerate(parts) if any(c in part for c in "*?[")), len(parts))
            yield walk.resolve(manifest.parent.joinpath(*parts[:fixed]))


def _source_paths(data: dict[str, Any]) -> Iterator[str]:
    """The source files a manifest names for its targets and its build script."""
    build = _table(data, "package").get("build")
    if isinstance(build, str):
        yield build
    targets = [data.get("lib")]
    for kind in ("bin", "example", "test", "bench"):
        listed = data.get(kind)
        targets += listed if isinstance(listed, list) else []
    for target in targets:
        if isinstance(target, dict) and isinstance(target.get("path"), str):
            yield target["path"]


def config_paths(configs: Sequence[str], allowed: Sequence[Path], walk: Walk) -> Iterator[Path | None]:
    """The directories cargo's configuration files name as packages (`[patch.*]` paths and `paths`
    overrides, relative to the directory holding `.cargo`); None for one this process does not read:
    a link from inside the roots to outside them, or unreadable."""
    for config in configs:
        name = Path(config)
        if name.name not in ("config", "config.toml") or not os.path.lexists(name):
            continue
        target = walk.resolve(name)
        inside = any(name.is_relative_to(place) for place in allowed)
        if target is None or (inside and not any(target.is_relative_to(p) for p in allowed)):
            yield None
            continue
        data = _cargo_toml(target)
        if data is None:
            yield None
            continue
        base = name.parent.parent
        named = [
            spec.get("path")
            for table in _table(data, "patch").values()
            if isinstance(table, dict)
            for spec in table.values()
            if isinstance(spec, dict)
        ]
        overrides = data.get("paths")
        named += overrides if isinstance(overrides, list) else []
        yield from (walk.resolve(base / path) for path in named if isinstance(path, str))


def _cargo_toml(path: Path) -> dict[str, Any] | None:
    """A manifest's or cargo configuration's data, through the one door; {} when absent or not TOML
    (cargo refuses it too); None when this process does not read it (a link, too large) but cargo does."""
    try:
        text = read_text(path, MAX_MANIFEST_BYTES)
        return parse_toml(text) if text is not None else {}
    except (OSError, Refusal):
        return None
    except (tomllib.TOMLDecodeError, RecursionError):
        return {}


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def config_files(root: Path) -> list[str]:
    """The cargo configuration files cargo reads for a run in `root`, and the toolchain files
    rustup picks the compiler from (in `root` or any directory above it)."""
    found = [
        str(path)
        for directory in (root, *root.parents)
        for path in (
            directory / ".cargo" / "config.toml",
            directory / ".cargo" / "config",
            *(directory / name for name in TOOLCHAIN_FILES),
        )
    ]
    home = Path(os.environ.get("CARGO_HOME") or Path.home() / ".cargo")
    return [*found, str(home / "config.toml"), str(home / "config")]
