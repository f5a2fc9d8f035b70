"""Which unix sockets a sandbox can reach, and the bubblewrap arguments that take them away.

The roots are mounted read-only in every sandbox, and `connect()` to a unix socket needs no write
permission: a socket bound inside the roots by a process outside (an agent's, a desktop's, our own
engine's) would be reachable. Two answers, by kind of run:

- runs whose code never needs a unix socket (rust-analyzer and its proc macros; cargo check, clippy,
  build, doc, metadata and fetch, i.e. build scripts and proc macros) get the seccomp filter of
  seccomp.py: no unix socket can be created at all;
- runs of a project's own tests, benches and programs (which may well talk over a socket in their
  private /tmp), and every run when the operator's compiler wrapper needs sockets (sccache), keep
  unix sockets, and every socket file found in the mounted roots before the run is covered with
  /dev/null. The walk is bounded; a tree too large to walk in time, or holding a directory the walk
  cannot list (deeper than MAX_WALK_DEPTH, or unreadable though searchable), gets the filter
  instead, and the answer says so.

Not covered: a socket that appears inside the roots after the walk, while the run is going on.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import seccomp
from .bind_paths import OpenedPaths
from .project_files import MAX_WALK_DEPTH, walk_without_links

MAX_ENTRIES = 400_000
MAX_SECONDS = 5.0
TOO_LARGE_NOTE = (
    "The roots hold more than {entries} files, too many to look for unix sockets before every run, "
    "so this run could not create unix sockets at all (tests that use one in /tmp fail). Start the "
    "server with a narrower --root to lift this."
)
UNLISTED_NOTE = (
    "{directory} could not be searched for unix sockets (deeper than {depth} directories, or "
    "unreadable), so this run could not create unix sockets at all (tests that use one in /tmp fail). "
    "Move or remove that directory, or start the server with a --root that leaves it out, to lift this."
)


@dataclass(frozen=True)
class SocketScan:
    sockets: tuple[Path, ...]
    complete: bool  # False: the walk stopped at its bound, or could not list `unlisted`
    entries: int
    seconds: float
    unlisted: Path | None = None  # a directory not listed (deeper than MAX_WALK_DEPTH, or unreadable)

    def note(self) -> str:
        """What an incomplete scan's run is told."""
        if self.unlisted is None:
            return TOO_LARGE_NOTE.format(entries=f"{MAX_ENTRIES:,}")
        return UNLISTED_NOTE.format(directory=self.unlisted, depth=MAX_WALK_DEPTH)


def find_sockets(
    tops: Iterable[Path], max_entries: int = MAX_ENTRIES, max_seconds: float = MAX_SECONDS
) -> SocketScan:
    """Every unix socket under `tops`, listed through the one door (no link followed, a directory
    swapped for a link skipped). Blocking: run it off the event loop."""
    started = time.monotonic()
    found: list[Path] = []
    entries = 0

    def counted(_: str) -> bool:
        nonlocal entries
        entries += 1
        return True

    missed: list[str] = []
    for top in _outermost(tops):
        walk = walk_without_links(top, counted, counted, unlisted=missed.append)
        try:
            for file in walk:
                if file.special and _is_socket(file.path):
                    found.append(Path(file.path))
                if entries > max_entries or time.monotonic() - started > max_seconds:
                    return SocketScan(tuple(found), False, entries, time.monotonic() - started)
        finally:
            walk.close()
        if missed:  # a socket there would be reachable, and not covered
            return SocketScan(tuple(found), False, entries, time.monotonic() - started, Path(missed[0]))
    return SocketScan(tuple(found), True, entries, time.monotonic() - started)


def _is_socket(path: str) -> bool:
    try:
        return stat.S_ISSOCK(os.lstat(path).st_mode)
    except OSError:
        return False


def _outermost(paths: Iterable[Path]) -> list[Path]:
    ordered = sorted(set(paths), key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in ordered:
        if not any(path.is_relative_to(top) for top in kept):
            kept.append(path)
    return kept


def socket_filter(refuse: bool, opened: OpenedPaths) -> list[str]:
    """bubblewrap's arguments for the filter that refuses unix sockets (none on other machines)."""
    if not refuse or not seccomp.supported():
        return []
    return ["--add-seccomp-fd", str(opened.data("no-unix-sockets", seccomp.no_unix_sockets()))]


def planned_masks(
    sockets: Iterable[Path], mounted: Iterable[tuple[int, float, Path, str]]
) -> list[tuple[int, float, Path, str]]:
    """Where each socket's /dev/null goes in the depth-ordered mount plan: right after the deepest
    mount holding it (so the file is there to cover, and a deeper hidden directory still hides it)."""
    plan = list(mounted)
    masks = []
    for socket in sockets:
        holders = [(depth, rank) for depth, rank, path, _ in plan if socket.is_relative_to(path)]
        if holders:
            depth, rank = max(holders)
            masks.append((depth, rank + 0.5, socket, "socket"))
    return masks
