"""The files a build read from folders the project walk skips (`target/`, `.git`, `node_modules`):
tree_state.py stamps them too, so an edit there gives another state and a kept check is not
answered for files it never saw (`include!("../node_modules/gen.rs")`, a build script's
`cargo:rerun-if-changed=.git/HEAD`, a file written into OUT_DIR).

Where they are named: the dep-info files rustc leaves for each crate cargo compiled or checked
(`target/<profile>/deps/*.d`, `target/<triple>/<profile>/deps/*.d`: every source file the compiler
read, relative to the workspace root) and each build script's `output`
(`target/<profile>/build/*/output`: its `rerun-if-changed` lines, relative to its package). Only the
workspace's own `target` is looked at (a target directory set elsewhere is not), through the one
door (no link followed, regular files only; bounded: MAX_FILES files, MAX_LISTED directories,
MAX_TOTAL_BYTES read per state), and a path is kept only if it lies under the workspace root
inside a skipped folder, or outside it inside the allowed roots: the walk stamps the rest. Each
file is parsed again only when its size or times changed. Project code can write these files (they
are build output): the worst it gets is more files stamped, never one opened, and a state computed
anew (its runs not reused). A directory named (`rerun-if-changed=node_modules/pkg`) is kept with
everything under it, as cargo scans it.

A project whose cargo configuration (or this process's environment) keeps its build records elsewhere
(`build.target-dir = "node_modules/out"`, `build.build-dir`: allowed inside the workspace) leaves none
in `target`: `records_elsewhere` says so, and such a tree's state is one of its own."""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from .cargo_projects import MAX_MANIFEST_BYTES, SKIP_DIRS
from .errors import Refusal
from .file_stamps import resolved
from .project_files import list_directory, read_text, walk_without_links
from .toml_text import parse_toml

MAX_FILES = 20_000  # dep-info and build-script outputs read per state, at most
MAX_BYTES = 1024 * 1024  # of one of them
MAX_NAMED = 10_000  # paths kept per state, at most
MAX_LISTED = 2_000  # directories listed per state, at most (project code can make any number)
MAX_TOTAL_BYTES = 64 * 1024 * 1024  # read per state, at most (files unchanged since are not read)
RERUN = re.compile(r"^cargo::?rerun-if-changed=(.+)$", re.MULTILINE)
UNESCAPED_SPACE = re.compile(r"(?<!\\) ")
_PARSED: dict[str, tuple[tuple[int, int, int], tuple[str, ...]]] = {}  # path -> (stamp, named)
_CACHED = [0]  # files and names held in _PARSED (names of earlier versions of a file counted too)
MAX_CACHED = 200_000
DIRECTORY_KEYS = ("target-dir", "build-dir")  # of cargo's `[build]` table
DIRECTORY_VARIABLES = ("CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR", "CARGO_BUILD_BUILD_DIR")


class _Budget:
    """What one state may still list and read."""

    def __init__(self) -> None:
        self.listings = MAX_LISTED
        self.bytes = MAX_TOTAL_BYTES


def _directories(path: Path, budget: _Budget) -> list[str]:
    budget.listings -= 1
    if budget.listings < 0:
        return []
    try:
        return [entry.name for entry in list_directory(path) if entry.is_directory]
    except (OSError, Refusal):
        return []


def _files(path: Path, suffix: str, budget: _Budget) -> list[Path]:
    budget.listings -= 1
    if budget.listings < 0:
        return []
    try:
        return [path / e.name for e in list_directory(path) if e.is_file and e.name.endswith(suffix)]
    except (OSError, Refusal):
        return []


def _recorded(target: Path, budget: _Budget) -> Iterator[tuple[Path, bool]]:
    """The dep-info files (True) and build-script outputs (False) under `target`."""
    for first in _directories(target, budget):
        seconds = _directories(target / first, budget)
        for profile in (target / first, *(target / first / second for second in seconds)):
            yield from ((path, True) for path in _files(profile / "deps", ".d", budget))
            for build in _directories(profile / "build", budget):
                yield profile / "build" / build / "output", False


def _dep_info(text: str) -> Iterator[str]:
    for line in text.splitlines():
        _, colon, rest = line.partition(": ")
        if colon:
            yield from (part.replace("\\ ", " ") for part in UNESCAPED_SPACE.split(rest.strip()) if part)


def _named(path: Path, dep_info: bool, budget: _Budget) -> tuple[str, ...]:
    try:
        info = os.stat(path, follow_symlinks=False)
    except OSError:
        return ()
    stamp = (info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    known = _PARSED.get(str(path))
    if known is not None and known[0] == stamp:
        return known[1]
    budget.bytes -= info.st_size
    if budget.bytes < 0:
        return ()  # not kept; the state is never equal to another (see skipped_reads)
    try:
        text = read_text(path, MAX_BYTES) or ""
    except (OSError, Refusal, UnicodeDecodeError):
        text = ""
    named = _dep_info(text) if dep_info else (match.strip() for match in RERUN.findall(text))
    # only names that can lie in a skipped folder or outside the workspace are kept: the cache's
    # size is that of those
    kept = tuple(name for name in named if _maybe_unwalked(Path(name)))[:MAX_NAMED]
    _CACHED[0] += len(kept) + 1
    if _CACHED[0] > MAX_CACHED:  # a process serving many workspaces, or a flood: start again
        _PARSED.clear()
        _CACHED[0] = len(kept) + 1
    _PARSED[str(path)] = (stamp, kept)
    return kept


def _maybe_unwalked(name: Path) -> bool:
    return name.is_absolute() or ".." in name.parts or not SKIP_DIRS.isdisjoint(name.parts)


def _skipped(top: str, path: str, within: Sequence[str]) -> str | None:
    """The file `path` (relative to the directory `top`, or absolute) when the walk of `top` does not
    stamp it: in a skipped folder, or outside `top` and inside one of the allowed roots `within`.
    Strings only: a build's records name thousands of files, most of them walked anyway."""
    full = os.path.normpath(os.path.join(top, path))
    if full.startswith(top + os.sep):
        folders = full[len(top) + 1 :].split(os.sep)[:-1]
        return full if not SKIP_DIRS.isdisjoint(folders) else None
    if full == top:
        return None
    return full if any(full == place or full.startswith(place + os.sep) for place in within) else None


def skipped_reads(top: Path, packages: Iterable[Path], within: Sequence[Path] = ()) -> list[str] | None:
    """The files under `top` inside a skipped folder, or outside `top` inside the allowed roots
    `within` (`include!("../../shared/gen.rs")`), that the last builds read (sorted): dep-info
    paths read against `top`, `rerun-if-changed` paths against `top` and each package directory.
    None past a bound: not all were found, so the state must never equal another. Blocking."""
    top_text, places = os.path.normpath(top), [os.path.normpath(place) for place in within]
    bases = [top_text, *(str(package) for package in packages)]
    found: set[str] = set()
    judged: set[str] = set()  # names already judged (the same source is named by many records)
    budget = _Budget()
    for index, (path, dep_info) in enumerate(_recorded(top / "target", budget)):
        if index >= MAX_FILES or len(found) >= MAX_NAMED:
            return None
        for named in _named(path, dep_info, budget):
            for base in bases[:1] if dep_info or os.path.isabs(named) else bases:
                joined = os.path.join(base, named)
                if joined in judged:
                    continue
                judged.add(joined)
                if (full := _skipped(top_text, joined, places)) is not None:
                    found.add(full)
    over = budget.listings < 0 or budget.bytes < 0
    return None if over else _with_contents(sorted(found))


def _with_contents(paths: list[str]) -> list[str] | None:
    """`paths`, each directory among them followed by every directory and file under it (cargo scans
    a directory a build script names in `rerun-if-changed` for a changed file; a directory's own
    times change only when a name in it does); None past MAX_NAMED or a directory not listed."""
    kept: list[str] = []
    for path in paths:
        kept.append(path)
        try:
            if not stat.S_ISDIR(os.stat(path, follow_symlinks=False).st_mode):
                continue
        except OSError:
            continue
        missed: list[str] = []
        for entry in walk_without_links(Path(path), bool, bool, kept.append, missed.append):
            kept.append(entry.path)
            if len(kept) > MAX_NAMED:
                return None
        if missed:
            return None
    return kept


def _through_link_inside(top: Path, inside: Path | None, config: Path, target: Path | None) -> bool:
    """Whether `config` lies in the workspace at `top` (which resolves to `inside`) and a link is on
    its way there (the project's file names another place): this process does not read through it."""
    normal = Path(os.path.normpath(config))
    try:
        relative = normal.relative_to(os.path.normpath(top))
    except ValueError:
        return False  # the operator's own configuration, above the workspace
    return inside is None or target != inside / relative


def records_elsewhere(top: Path, configs: Iterable[str]) -> bool:
    """Whether cargo may keep the build records of the workspace at `top` elsewhere than `top/target`:
    `build.target-dir` or `build.build-dir` set to another place in one of the cargo configuration
    files `configs` (those above the workspace read where their links lead, as cargo reads them; one
    inside it reached through a link is not read and counts as one that does, as does one that cannot
    be read: a link loop, an oversized file), or a variable of this environment setting them. Blocking."""
    if any(os.environ.get(name) for name in DIRECTORY_VARIABLES):
        return True
    own = os.path.normpath(top / "target")
    inside = resolved(top)
    for config in map(Path, configs):
        if not os.path.lexists(config):
            continue
        target = resolved(config)
        if _through_link_inside(top, inside, config, target):
            return True  # the project's own config behind a link: never read through it
        try:
            text = read_text(target, MAX_MANIFEST_BYTES) if target is not None else None
            build = parse_toml(text).get("build") if text is not None else None
        except (OSError, Refusal, tomllib.TOMLDecodeError):
            return True
        if target is None or text is None:
            return True
        for key in DIRECTORY_KEYS:
            value = build.get(key) if isinstance(build, dict) else None
            if value is not None and (
                not isinstance(value, str) or os.path.normpath(config.parent.parent / value) != own
            ):
                return True
    return False
