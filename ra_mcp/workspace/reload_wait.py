"""Whether telling rust-analyzer of changed files makes it reload its workspace, and the wait for that
reload to begin, so that the readiness wait which follows does not pass on the old crate graph.

rust-analyzer refetches its workspace when a Cargo.toml, Cargo.lock or .cargo/config(.toml) changes in
content, and when any file it is told of is created or deleted (its reload.rs and global_state.rs).
It compares contents itself: a file rewritten with the same bytes changes nothing, and it never
reloads. So the digests of those files as rust-analyzer last saw them are kept here; a change they
prove (or cannot rule out) waits up to RELOAD_WAIT_SECONDS for rust-analyzer to leave quiescence,
which it does at once when the loader is idle and seconds later under load; the wait ends as it
does. Any other watched file (rust-toolchain.toml, a config.toml elsewhere) waits SHORT_WAIT_SECONDS.
That wait is the Workspace's (a PendingReload), not the telling call's: a call cut at its deadline or
cancelled in it left the next call answering at once from the old crate graph; every call now waits
for a pending reload (within its own deadline) before it answers.
The bytes digested are bounded (DIGESTED_BYTES a baseline or a re-sync): a red team's 512 sparse
8 MiB Cargo.toml files took the baseline 37 s, past the door's 30 s, refusing the first call; past the
budget a file has no digest, so its change is taken as a reload (the wait ends when rust-analyzer's does)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from rust_mcp.core.budgets import MAX_SYNC_BYTES
from rust_mcp.core.cargo_projects import MANIFEST_NAME
from rust_mcp.core.errors import Refusal
from rust_mcp.core.roots import ReadScope

if TYPE_CHECKING:
    from ..lsp.state import AnalyzerState

RELOAD_WAIT_SECONDS = 20.0  # rust-analyzer reloads for these changes: the wait ends when it does
SHORT_WAIT_SECONDS = 1.0  # a watched file it may or may not reload for
BASELINE_FILES = 512  # digests taken at the first re-sync; past it a file's first change is unknown
DIGESTED_BYTES = 64 * 1024 * 1024  # read for digests by one baseline or re-sync; past it: no digest
RELOADING_NAMES = frozenset({MANIFEST_NAME, "Cargo.lock"})
CARGO_CONFIG_NAMES = frozenset({"config.toml", "config"})


def reloads_for(path: Path) -> bool:
    """rust-analyzer refetches its workspace when this file's contents change."""
    if path.name in RELOADING_NAMES:
        return True
    return path.name in CARGO_CONFIG_NAMES and path.parent.name == ".cargo"


@dataclass
class Digests:
    """Digests of files read through the door (never through a link, never a special file), at most
    DIGESTED_BYTES in all."""

    scope: ReadScope
    spent: int = 0

    def of(self, path: Path) -> bytes | None:
        """The digest of the file's bytes; None when it cannot be read (gone, refused, too large) or the
        budget is spent."""
        if self.spent >= DIGESTED_BYTES:
            return None
        try:
            data = self.scope.read(path, min(MAX_SYNC_BYTES, DIGESTED_BYTES - self.spent))
        except (Refusal, OSError):
            return None
        self.spent += len(data)
        return hashlib.blake2b(data, digest_size=16).digest()


@dataclass
class ReloadingFiles:
    """The digests of the files rust-analyzer reloads for, as it last saw them. Methods read files:
    run them off the event loop."""

    seen: dict[str, bytes] = field(default_factory=dict)
    baseline_taken: bool = False

    def take_baseline(self, scope: ReadScope, files: list[str], changed: set[str]) -> None:
        """At the first re-sync: the files not changed since rust-analyzer read them, as it has them."""
        self.baseline_taken = True
        unchanged = [path for path in files if path not in changed and reloads_for(Path(path))]
        digests = Digests(scope)
        for path in unchanged[:BASELINE_FILES]:
            digest = digests.of(Path(path))
            if digest is not None:
                self.seen[path] = digest

    def reload_follows(self, scope: ReadScope, changed: list[Path], created_or_deleted: set[str]) -> bool:
        """Whether telling rust-analyzer of `changed` makes it reload: a reloading file whose bytes
        differ from what it saw (or may differ: no digest of either), or a watched file created or
        deleted. Remembers the new digests."""
        reload = False
        digests = Digests(scope)
        for path in changed:
            key = str(path)
            came_or_went = key in created_or_deleted
            if not came_or_went and not reloads_for(path):
                continue
            before, after = self.seen.pop(key, None), digests.of(path)  # created: rust-analyzer reads it now
            if after is not None:
                self.seen[key] = after
            reload = reload or came_or_went or before is None or after is None or before != after
        return reload

    def forget(self, paths: list[Path]) -> None:
        """What rust-analyzer has of these is unknown (telling it was cancelled)."""
        for path in paths:
            self.seen.pop(str(path), None)


def moved(paths: list[Path], current: Mapping[str, object], told: Mapping[str, object]) -> set[str]:
    """The paths created or deleted since rust-analyzer was last told of them."""
    return {str(path) for path in paths if (str(path) in current) != (str(path) in told)}


@dataclass
class PendingReload:
    """rust-analyzer was told of changed files it may reload for (`names`) and was not yet seen to
    begin: it begins when it leaves quiescence (or has left it since it was told); the wait ends at
    `until` (time.monotonic()) if it never does."""

    state: AnalyzerState
    names: str
    until: float
    left_before: int  # state.left_quiescence when it was told

    def over(self, now: float | None = None) -> bool:
        state = self.state
        if not state.quiescent or state.left_quiescence != self.left_before:
            return True
        return (time.monotonic() if now is None else now) >= self.until


def expect_reload(state: AnalyzerState, names: str, seconds: float) -> PendingReload:
    """rust-analyzer was just told `names` changed: answers wait for the reload's build data, and for
    it to begin (up to `seconds`)."""
    state.expect_reload()
    return PendingReload(state, names, time.monotonic() + seconds, state.left_quiescence)


async def await_reload(pending: PendingReload) -> None:
    """Give rust-analyzer until `pending.until` to leave quiescence for a reload, so that the readiness
    wait which follows does not pass on the old state."""
    state = pending.state
    with anyio.move_on_after(max(0.0, pending.until - time.monotonic())):
        while not pending.over():
            state.changed.clear()
            await state.changed.wait()
