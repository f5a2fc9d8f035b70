"""The Cargo workspaces under a directory that has no Cargo.toml of its own: a repository whose
workspace lives in a subdirectory (Codex's own repository keeps it in `codex-rs/`), where the server
was started at the repository root. A call that names no project uses the one workspace found there
and says so; with several, the refusal lists them and how to pick one.

The walk is bounded (MAX_DEPTH directories down, MAX_ENTRIES directory entries in all), breadth first
so the shallowest workspaces are found first, and stops descending at a directory holding a
Cargo.toml (its members are inside it). It skips what the project walk skips (`target/`, `.git`,
`node_modules`, hidden directories) and what the start directory's `.gitignore` ignores. It never
follows a link (a linked directory or a linked Cargo.toml is passed over), never opens anything but
directories and the small `.gitignore` (no-follow, regular file only), so a FIFO cannot block it, and
it runs in a worker thread, off the event loop. It parses at most MAX_LISTED + 1 manifests (to
find the workspace each belongs to): a repository of many slow-to-parse manifests costs no more.

The `.gitignore` matcher covers plain patterns: blank lines and `#` comments skipped; a trailing `/`
(directories only: the walk looks only at directories); a pattern with a `/` before its end is
anchored at the start directory, one without matches a directory's name at any depth; `*`, `?`,
`[...]` and `**` as fnmatch reads them (`*` may cross a `/`). Not covered: negations (`!pattern`,
skipped: nothing is un-ignored), escapes, and `.gitignore` files below the start directory or
git's global excludes."""

from __future__ import annotations

import fnmatch
import os
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import anyio

from .cargo_projects import MANIFEST_NAME, find_manifest, find_workspace_root, walked_into
from .errors import Refusal
from .project_files import list_directory
from .roots import AllowedRoots, PathRefused
from .safe_io import LinkOnTheWay, read_without_links

MAX_DEPTH = 4  # directories below the start directory
MAX_ENTRIES = 20_000  # directory entries looked at, in all
MAX_GITIGNORE_BYTES = 256 * 1024
MAX_LISTED = 10  # workspaces a refusal lists
REUSE_SECONDS = 10.0  # a workspace found is used again for this long while its Cargo.toml is there
_recent: dict[tuple[Path, tuple[Path, ...]], tuple[float, Path, str]] = {}  # (start, roots) -> found


@dataclass(frozen=True)
class GitIgnore:
    """The plain patterns of one `.gitignore`, matched against directories (see the module's text)."""

    anchored: tuple[str, ...] = ()  # matched against the path relative to the start directory
    names: tuple[str, ...] = ()  # matched against a directory's own name, at any depth

    @classmethod
    def parse(cls, text: str) -> GitIgnore:
        anchored: list[str] = []
        names: list[str] = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith(("#", "!")):
                continue
            line = line.rstrip("/")
            if "/" in line:
                anchored.append(line.lstrip("/"))
            elif line:
                names.append(line)
        return cls(tuple(anchored), tuple(names))

    @classmethod
    def read(cls, directory: Path) -> GitIgnore:
        try:
            data = read_without_links(directory / ".gitignore", MAX_GITIGNORE_BYTES)
        except (Refusal, OSError):  # a link, a FIFO, too large: not read
            return cls()
        return cls.parse(data.decode("utf-8", errors="replace")) if data else cls()

    def ignores(self, relative: str, name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, p) for p in self.names) or any(
            fnmatch.fnmatchcase(relative, p) for p in self.anchored
        )


@dataclass(frozen=True)
class WorkspaceSearch:
    start: Path
    found: tuple[Path, ...]  # workspace root directories, shallowest first
    cut: bool = False  # the walk stopped at MAX_ENTRIES before looking everywhere


def find_workspaces_under(start: Path, roots: AllowedRoots) -> WorkspaceSearch:
    """Every Cargo workspace under `start` (an existing directory inside the roots), bounded; blocking,
    so callers use `discover_project`, which runs it in a worker thread."""
    ignore = GitIgnore.read(start)
    manifests: list[Path] = []
    queue: deque[tuple[str, int]] = deque([(str(start), 0)])
    seen = 0
    while queue and seen < MAX_ENTRIES:
        directory, depth = queue.popleft()
        below: list[str] = []
        try:
            entries = list_directory(Path(directory))
        except (OSError, LinkOnTheWay):  # unreadable, or swapped for a link: passed over
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                break
            path = os.path.join(directory, entry.name)
            if entry.name == MANIFEST_NAME and depth > 0 and entry.is_file:
                manifests.append(Path(path))
                below = []
                break  # a package or workspace: its members are its own business
            inside = depth < MAX_DEPTH and entry.is_directory and walked_into(entry.name)
            if inside and not ignore.ignores(os.path.relpath(path, start), entry.name):
                below.append(path)
        queue.extend((path, depth + 1) for path in sorted(below))
    found: list[Path] = []
    for number, manifest in enumerate(manifests):
        # resolving parses the manifest (seconds for a hostile one, in a thread no deadline stops):
        # only as many as an answer uses are; the rest stand for the directory they were found in
        root = find_workspace_root(manifest, roots) if number <= MAX_LISTED else manifest.parent
        if root not in found and (root == start or root.is_relative_to(start)):
            found.append(root)
    return WorkspaceSearch(start, tuple(found), cut=seen > MAX_ENTRIES or bool(queue))


def chosen_workspace(search: WorkspaceSearch, how_to_pick: str) -> tuple[Path, str]:
    """The one workspace found and the sentence saying so; a refusal when there are none or several
    (`how_to_pick` says how, `{example}` in it standing for the first workspace's path)."""
    start = search.start
    labels = [f"{root.relative_to(start).as_posix()}/" for root in search.found]
    if len(search.found) == 1:
        return search.found[0], f"using workspace {labels[0]} found under {start}"
    cut = f" (stopped after {MAX_ENTRIES} entries)" if search.cut else ""
    if not search.found:
        raise PathRefused(
            f"no Cargo.toml in {str(start)!r} or its parents up to the allowed root, nor in its "
            f"subdirectories ({MAX_DEPTH} levels down{cut}); pass the directory of a Rust package or "
            "workspace"
        )
    listed = ", ".join(labels[:MAX_LISTED]) + (
        f" and {len(labels) - MAX_LISTED} more" if len(labels) > MAX_LISTED else ""
    )
    raise PathRefused(
        f"{start} holds no Cargo.toml but {len(labels)} Cargo workspaces below it{cut}: {listed}. "
        f"Pick one: {how_to_pick.format(example=search.found[0])}"
    )


def _search_when_no_manifest(start: Path, roots: AllowedRoots) -> WorkspaceSearch | None:
    """None when `start` or a parent holds a Cargo.toml; else the workspaces below it."""
    try:
        find_manifest(start, roots)
        return None
    except PathRefused:
        if not start.is_dir():
            raise
    return find_workspaces_under(start, roots)


async def discover_project(start: Path, roots: AllowedRoots, how_to_pick: str) -> tuple[Path, str | None]:
    """The directory a call that names no project works in: `start` itself when it or a parent holds
    a Cargo.toml (nothing said), else the one Cargo workspace below it (and a sentence saying so).
    Several, or none: a refusal naming them and `how_to_pick`. Looked for in a worker thread."""
    key = (start, roots.paths)
    recent = _recent.get(key)
    fresh = recent is not None and time.monotonic() - recent[0] < REUSE_SECONDS
    if recent is not None and fresh and await anyio.Path(recent[1] / MANIFEST_NAME).is_file():
        return recent[1], recent[2]
    search = await anyio.to_thread.run_sync(_search_when_no_manifest, start, roots)
    if search is None:
        return start, None
    found, said = chosen_workspace(search, how_to_pick)
    if len(_recent) >= MAX_LISTED:
        _recent.clear()
    _recent[key] = (time.monotonic(), found, said)
    return found, said
