"""Cargo projects on disk: the Cargo.toml that governs a path, the workspace root cargo would find
for it, the packages under a workspace, and the one directory walk both servers use. Never above the
allowed root a path is in (roots.py)."""

from __future__ import annotations

import fnmatch
import logging
import os
import stat
from collections.abc import Callable, Generator, Sequence
from pathlib import Path

from .errors import Refusal
from .project_files import WalkedFile, walk_without_links
from .roots import AllowedRoots, PathRefused
from .safe_io import read_without_links

log = logging.getLogger(__name__)

MANIFEST_NAME = "Cargo.toml"
# a manifest parsed by this process: tomllib parses a hostile 4 MB one (400,000 table headers) in
# 10-20 s of a loaded machine, on the event loop every session of an engine shares; real ones are
# well under 100 KB
MAX_MANIFEST_BYTES = 1024 * 1024
PACKAGES_PARSED_BYTES = 2 * 1024 * 1024  # manifests parsed to list a workspace's packages
# manifests one search for a workspace root parses (the package's and its ancestors'; the one that
# crosses it is the last): a path holds some 2,000 levels, each could hold a 1 MiB manifest, and the
# search runs on the event loop
WORKSPACE_SEARCH_BYTES = 2 * 1024 * 1024
# directories one bounded project walk enters (listing a workspace's packages, keeping its files
# before a command that writes them): project code can plant any number (a million empty folders held
# one of the door's threads for the whole walk, each call, past every call's deadline)
WALKED_DIRECTORIES = 50_000
# a manifest's dependency tables; cargo still reads the underscore spellings (deprecated, refused
# only from edition 2024)
DEPENDENCY_TABLES = (
    "dependencies",
    "dev-dependencies",
    "build-dependencies",
    "dev_dependencies",
    "build_dependencies",
)


def find_manifest(path: Path, roots: AllowedRoots) -> Path:
    """The Cargo.toml that governs `path` (a directory, a Cargo.toml, or a Rust source file: its
    package, as for the directory holding it), searching upward the way cargo does but never above
    the allowed root that contains `path`."""
    root = roots.root_of(path)
    if root is None:  # callers confine first; this keeps the function safe on its own
        raise PathRefused(f"path {str(path)!r} is outside the allowed roots: {roots.describe()}")
    if not path.exists():
        raise PathRefused(f"path {str(path)!r} does not exist")
    current = path
    if path.is_file():
        if path.name == MANIFEST_NAME:
            return path
        if path.suffix != ".rs":
            raise PathRefused(
                f"path {str(path)!r} is a file but not a Cargo.toml or a .rs source file; pass the "
                "project directory, its Cargo.toml or one of its .rs files"
            )
        current = path.parent  # a source file: the package it belongs to
    while True:
        candidate = current / MANIFEST_NAME
        if candidate.is_file():
            real = candidate.resolve()
            if not roots.contains(real):
                raise PathRefused(
                    f"{candidate} links to {real}, outside the allowed roots: {roots.describe()}"
                )
            return real
        if current == root:
            break
        current = current.parent
    raise PathRefused(
        f"no Cargo.toml in {str(path)!r} or its parents up to the root {str(root)!r}; "
        "pass the directory of a Rust package or workspace"
    )


def read_manifest(
    path: Path, limit: int = MAX_MANIFEST_BYTES, read: list[int] | None = None
) -> dict[str, object]:
    """A manifest's data, or {} when it is unreadable, a link, over `limit` bytes or not TOML. The
    bytes parsed are added to `read[0]`."""
    import tomllib  # here, not at start: only manifests need it (a 10 ms import)

    from .toml_text import parse_toml

    try:  # through the one door: no link on the way, a regular file, size-limited
        data = read_without_links(path, limit)
        if read is not None and data is not None:
            read[0] += len(data)
        return parse_toml(data.decode("utf-8")) if data is not None else {}
    except (OSError, Refusal, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return {}


def _member_patterns(workspace: object, key: str) -> list[str]:
    if not isinstance(workspace, dict):
        return []
    value = workspace.get(key, [])
    return [str(v).rstrip("/") for v in value] if isinstance(value, list) else []


def _matches_any(relative: str, patterns: Sequence[str]) -> bool:
    return any(relative == p or fnmatch.fnmatchcase(relative, p) for p in patterns)


def find_workspace_root(
    manifest: Path, roots: AllowedRoots, seen: dict[Path, dict[str, object]] | None = None
) -> Path:
    """The directory of the workspace root manifest for `manifest`, as cargo finds it: the manifest
    itself if it declares [workspace], else the first ancestor whose [workspace] does not exclude it.
    Never outside the allowed root holding the manifest: a `package.workspace` that points out of it,
    or a workspace above it, is not looked at, and the package is its own workspace. A caller asking
    for many packages passes `seen`: the ancestors' manifests are then parsed once for all of them
    (a 1 MB root manifest parsed again for each of thousands of members took hours)."""
    package_dir = manifest.parent
    root = roots.root_of(manifest) or package_dir
    parsed, bound = [0], WORKSPACE_SEARCH_BYTES  # read when the search starts
    data = read_manifest(manifest, read=parsed)
    if "workspace" in data:
        return package_dir
    package = data.get("package")
    if isinstance(package, dict) and isinstance(package.get("workspace"), str):
        try:
            explicit = (package_dir / str(package["workspace"])).resolve()
        except (OSError, RuntimeError):
            return package_dir
        return explicit if explicit == root or explicit.is_relative_to(root) else package_dir
    for ancestor in package_dir.parents:
        if not ancestor.is_relative_to(root):
            break
        candidate = ancestor / MANIFEST_NAME
        if seen is not None and candidate in seen:
            workspace = seen[candidate].get("workspace")
        elif not candidate.is_file():
            workspace = None
        elif parsed[0] >= bound:  # past the bound, as above the roots: the package is its own workspace
            log.warning(
                "workspace of %s: past %d bytes of manifests, %s not read", manifest, parsed[0], candidate
            )
            return package_dir
        else:
            ancestor_data = read_manifest(candidate, read=parsed)
            workspace = ancestor_data.get("workspace")
            if seen is not None:
                seen[candidate] = ancestor_data
        if workspace is None:
            continue
        relative = package_dir.relative_to(ancestor).as_posix()
        if _matches_any(relative, _member_patterns(workspace, "exclude")):
            return package_dir
        return ancestor
    return package_dir


def manifest_and_root(path: Path, roots: AllowedRoots) -> tuple[Path, Path]:
    """The Cargo.toml governing `path` (find_manifest) and its workspace root (find_workspace_root).
    Blocking: it parses manifests (up to WORKSPACE_SEARCH_BYTES of them); from async code, off_loop."""
    manifest = find_manifest(path, roots)
    return manifest, find_workspace_root(manifest, roots)


def manifest_above_root(manifest: Path, roots: AllowedRoots) -> Path | None:
    """The nearest Cargo.toml above the allowed root holding `manifest`, when `manifest` is a package
    that could belong to a workspace there (it declares no [workspace] and names none): the one
    place cargo would have looked for its workspace but the roots stop it. Outside the roots, so only
    whether a regular file is there is looked at (lstat: no link followed, nothing read)."""
    root = roots.root_of(manifest)
    data = read_manifest(manifest)
    package = data.get("package")
    if root is None or "workspace" in data or (isinstance(package, dict) and "workspace" in package):
        return None
    for directory in root.parents:
        try:
            info = os.lstat(directory / MANIFEST_NAME)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            return directory / MANIFEST_NAME
    return None


SKIP_DIRS = frozenset({"target", ".git", "node_modules"})


def walked_into(name: str) -> bool:
    """Whether the project walk enters a directory of this name (not build output, VCS data or hidden)."""
    return name not in SKIP_DIRS and not name.startswith(".")


# hidden folders of other tools (environments, caches, editors) that hold no Rust module and may hold
# tens of thousands of directories: a change journal watching them would run out of watches
TOOL_DIRS = frozenset(
    {".venv", ".tox", ".nox", ".direnv", ".cache", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
    | {".npm", ".yarn", ".pnpm-store", ".gradle", ".idea", ".vscode", ".hg", ".svn", ".jj"}
)


def analyzer_walks_into(name: str) -> bool:
    """Whether rust-analyzer's change journal enters a directory of this name: every one rust-analyzer
    loads modules from (it skips only `.git` and `target` below a package), hidden ones included (a
    `#[path = ".gen/m.rs"]` module, a path dependency in `.vendor/`), but build output, VCS data,
    node_modules and other tools' hidden folders (TOOL_DIRS)."""
    return name not in SKIP_DIRS and name not in TOOL_DIRS


def project_files(
    root: Path, wanted: Callable[[str], bool], entering: Callable[[str], None] | None = None
) -> Generator[WalkedFile, None, None]:
    """Files under `root` whose name passes `wanted`, skipping build output, VCS data and hidden
    directories. The one directory walk both servers use, through the one door (no directory listed
    through a link). `entering` is called with each directory walked into, before it is listed."""
    return walk_without_links(root, walked_into, wanted, entering)


def bounded_project_files(root: Path, wanted: Callable[[str], bool]) -> Generator[WalkedFile, None, None]:
    """project_files, entering at most WALKED_DIRECTORIES directories: at the next one the walk stops
    with WalkTooLarge (which names it)."""
    limit = WALKED_DIRECTORIES  # read when the walk starts
    entered = 0

    def entering(directory: str) -> None:
        nonlocal entered
        entered += 1
        if entered > limit:
            raise WalkTooLarge(root, limit, directory)

    yield from project_files(root, wanted, entering)


class WalkTooLarge(Refusal):
    """A bounded project walk (bounded_project_files) reached more than its limit of directories."""

    def __init__(self, root: Path, limit: int, directory: str) -> None:
        super().__init__(
            f"{root} holds more than {limit:,} directories (not counting target, .git, node_modules "
            f"and hidden ones), the most one walk of a project enters; it stopped at {directory}"
        )
        self.root, self.limit, self.directory = root, limit, directory


def package_directories(root: Path) -> dict[str, Path]:
    """Package name -> directory, for every Cargo.toml under a workspace root that declares one, of
    the first PACKAGES_PARSED_BYTES of manifests (tomllib takes ~5 s for a hostile 1 MB: a walk
    parsing them all held a worker thread for as long as the project liked; past it, none is listed),
    in the first WALKED_DIRECTORIES directories walked."""
    found: dict[str, Path] = {}
    parsed = [0]
    try:
        for entry in bounded_project_files(root, lambda name: name == MANIFEST_NAME):
            left = PACKAGES_PARSED_BYTES - parsed[0]
            if left <= 0:
                log.warning(
                    "packages under %s: past %d bytes of manifests, the rest not parsed", root, parsed[0]
                )
                break
            package = read_manifest(Path(entry.path), min(MAX_MANIFEST_BYTES, left), parsed).get("package")
            if isinstance(package, dict) and isinstance(package.get("name"), str):
                found[package["name"]] = Path(entry.path).parent
    except WalkTooLarge as exc:
        log.warning("packages under %s: the rest not listed: %s", root, exc)
    return found
