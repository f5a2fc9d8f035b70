"""The state of a project's files, as a value equal for equal files: what decides whether a finished
cargo run still answers (shared_runs.py). Every file under the workspace root (build output, VCS
data and node_modules skipped, but for the files the last builds read there: skipped_reads.py;
hidden directories walked, since `include!` and `#[path]` read from them) with its size,
modification and change times and inode; the directories that links in the tree point to, and
the workspace's path dependencies outside the root, walked the same way when they lie inside the
server's allowed roots; the cargo configuration and rustup toolchain files of the root and every
directory above it, and cargo's home configuration. A file written, created,
removed or renamed gives another state.

Some trees get a state of their own each time, so their runs are never reused (right, if slower):
a tree larger than MAX_STAMPED files or MAX_EXTRA_ROOTS trees, a tree with a link or a path
dependency that cannot be resolved (a link loop, a NUL byte), and one leading outside the allowed
roots: this process never lists a directory the project only names (a link to `/` or to the
operator's home is not walked). Not followed: files outside
these trees that a build reads (a build script's `rerun-if-changed` or an `include!` pointing
outside the workspace)."""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import Refusal
from .project_files import read_text, walk_without_links
from .roots import MANIFEST_NAME, MAX_MANIFEST_BYTES, SKIP_DIRS
from .skipped_reads import skipped_reads
from .toml_text import parse_toml
from .toolchain_files import FILE_NAMES as TOOLCHAIN_FILES

MAX_EXTRA_ROOTS = 32  # path dependencies and link targets outside the workspace walked, at most
MAX_STAMPED = 400_000  # files stamped, at most; a larger tree is never reused
DEPENDENCY_TABLES = (
    "dependencies",
    "dev-dependencies",
    "build-dependencies",
    "dev_dependencies",
    "build_dependencies",
)


def _stamp(path: str, newest: list[int] | None = None) -> bytes:
    try:
        info = os.stat(path)
    except OSError:
        return f"{path}\0-\n".encode("utf-8", "surrogateescape")
    if newest is not None:
        newest[0] = max(newest[0], info.st_ctime_ns, info.st_mtime_ns)
    stamp = f"{path}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ctime_ns}\0{info.st_ino}\n"
    return stamp.encode("utf-8", "surrogateescape")


def _resolved(path: Path) -> Path | None:
    """`path` with its links resolved, or None when the project made that impossible (a link loop,
    a NUL byte, a name too long): such a state is never equal to another."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return None


def _dependency_paths(manifest: Path) -> Iterator[Path | None]:
    """Directories of the path dependencies (and patches) and the workspace members (a glob's fixed
    start) a manifest names (None: unresolvable)."""
    try:  # through the one door: no link on the way, a regular file, size-limited
        text = read_text(manifest, MAX_MANIFEST_BYTES)
        data = parse_toml(text) if text is not None else {}
    except (OSError, Refusal, tomllib.TOMLDecodeError, RecursionError):
        return
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
                yield _resolved(manifest.parent / spec["path"])
    members = workspace.get("members")
    for member in members if isinstance(members, list) else []:  # cargo allows them outside the root
        if isinstance(member, str):
            parts = Path(member).parts
            fixed = next((i for i, part in enumerate(parts) if any(c in part for c in "*?[")), len(parts))
            yield _resolved(manifest.parent.joinpath(*parts[:fixed]))


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def _config_files(root: Path) -> list[str]:
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


def tree_state(
    root: Path, within: Sequence[Path] = (), lockfile: bool = True, newest: list[int] | None = None
) -> str:
    """A digest of the state of the project at `root` (a workspace root), walking the trees outside
    it that it names only inside `root` or the allowed roots `within`; without the workspace's
    Cargo.lock unless `lockfile` (a run that writes it, as cargo does, keeps its state); blocking
    (run off the loop). Given `newest` ([0]), also when the tree last changed: its first item becomes
    the latest change or modification time (ns) of a stamped file or of a directory walked (a file
    created, removed or renamed changes its directory's)."""
    digest = hashlib.sha256()

    def entering(directory: str) -> None:
        if newest is not None:
            _stamp(directory, newest)

    walked: set[Path] = set()
    stamped = 0
    top = workspace = root.resolve()
    packages: list[Path] = []
    allowed = (top, *within)
    skipped = "" if lockfile else str(top / "Cargo.lock")
    queue: list[Path | None] = [top]
    while queue and len(walked) <= MAX_EXTRA_ROOTS:
        named = queue.pop(0)
        if named is None:
            return _never_equal(digest)  # a path the project named that cannot be resolved
        top = named
        if top in walked or any(top.is_relative_to(done) for done in walked):
            continue
        if not any(top.is_relative_to(place) for place in allowed):
            return _never_equal(digest)  # named by the project, outside what this server may read
        walked.add(top)
        digest.update(f"root {top}\n".encode("utf-8", "surrogateescape"))
        entries = []
        walk = walk_without_links(top, lambda name: name not in SKIP_DIRS, lambda name: True, entering)
        for entry in walk:
            entries.append(entry)
            if stamped + len(entries) > MAX_STAMPED:
                return _never_equal(digest)
        stamped += len(entries)
        for entry in sorted(entries, key=lambda e: e.path):
            if entry.path == skipped:
                continue
            digest.update(_stamp(entry.path, newest))
            if entry.name == MANIFEST_NAME:
                packages.append(Path(entry.path).parent)
                queue += [
                    path
                    for path in _dependency_paths(Path(entry.path))
                    if path is None or not path.is_relative_to(top)
                ]
            elif entry.linked and os.path.isdir(entry.path):  # cargo reads through it; so does the state
                target = _resolved(Path(entry.path))
                if target is None or not target.is_relative_to(top):
                    queue.append(target)
    if any(path is None or not any(path.is_relative_to(done) for done in walked) for path in queue):
        return _never_equal(digest)  # more trees than MAX_EXTRA_ROOTS: not all followed
    if (reads := skipped_reads(workspace, packages)) is None:
        return _never_equal(digest)  # more build records than it reads
    for path in (*reads, *_config_files(root)):  # builds read these too
        digest.update(_stamp(path, newest))
    return digest.hexdigest()


def _never_equal(digest: Any) -> str:
    """A state no other call gets: for a tree too large to follow, whose runs are never reused."""
    digest.update(os.urandom(16))
    return str(digest.hexdigest())
