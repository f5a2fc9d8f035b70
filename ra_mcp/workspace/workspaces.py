"""One workspace's rust-analyzer as the tools use it: it re-syncs files changed on disk before a call
(its change journal says which), knows when rust-analyzer is ready to answer, and remembers whole
answers for their next pages while nothing changes. The pool of them is in pool.py."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rust_mcp.core.budgets import ProgressCallback
from rust_mcp.core.cargo_projects import MANIFEST_NAME
from rust_mcp.core.client_policy import ClientPolicy
from rust_mcp.core.file_stamps import FileStamp, stamp_of
from rust_mcp.core.lockfile import LOCKFILE_PATH_ENV, refresh_private_lock
from rust_mcp.core.project_files import DoorTimeout, off_loop
from rust_mcp.core.roots import ReadScope
from rust_mcp.core.sandbox import SandboxedCommand

from .. import call_deadline
from ..lsp.lazy_types import lsp
from .change_journal import ChangeJournal
from .fresh_runs import FreshRuns
from .journal_walks import followed, refreshed
from .readiness import wait_ready
from .reload_wait import (
    RELOAD_WAIT_SECONDS,
    SHORT_WAIT_SECONDS,
    PendingReload,
    ReloadingFiles,
    await_reload,
    expect_reload,
    moved,
)
from .source_messages import BATCH_BYTES, Encoded, encode_sources

if TYPE_CHECKING:
    from ..lsp.client import AnalyzerClient

# the command starting a workspace's analyzer on a toolchain (None: the server's default or the
# project's), under the calling client's sandbox policy
Launcher = Callable[[Path, str | None, ClientPolicy | None], Awaitable[SandboxedCommand]]
Made = tuple[dict[Path, Encoded], set[Path]]  # the messages of a last batch, and the paths told before
WorkspaceKey = tuple[Path, str | None]  # one rust-analyzer per workspace root and requested toolchain
REMEMBERED_ANSWERS = 4  # whole answers kept per workspace for their next pages
WATCHED_NAMES = frozenset({MANIFEST_NAME, "Cargo.lock", "rust-toolchain", "rust-toolchain.toml"})
WATCHED_NAMES |= {"config.toml", "config"}  # .cargo/config(.toml): its rustflags decide the cfgs it sees


def scan_sources(root: Path) -> dict[Path, FileStamp]:
    """.rs files and manifests under `root` with their stamps (build output and VCS skipped)."""
    return {
        Path(path): stamp for path, stamp in ChangeJournal(root, is_watched, use_inotify=False).files.items()
    }


def is_watched(name: str) -> bool:
    return name.endswith(".rs") or name in WATCHED_NAMES


@dataclass
class Workspace:
    root: Path
    client: AnalyzerClient
    scope: ReadScope  # what the re-sync may read: inside the roots, never through a link
    journal: ChangeJournal  # the files on disk now, and which changed since the last call
    # the same for the trees outside the root rust-analyzer loads with it (outside_trees.py)
    outside: list[ChangeJournal] = field(default_factory=list)
    snapshot: dict[str, FileStamp] = field(default_factory=dict)  # what rust-analyzer was told
    versions: dict[Path, int] = field(default_factory=dict)
    last_used: float = field(default_factory=time.monotonic)
    syncs: FreshRuns = field(default_factory=FreshRuns)  # concurrent calls share one re-sync
    written: set[str] = field(default_factory=set)  # pushed by us since the last re-sync
    # found changed by a re-sync that stopped (cancelled) before telling rust-analyzer: told by the next
    untold: set[str] = field(default_factory=set)
    toolchain: str | None = None  # the toolchain asked for (None: the server's default or the project's)
    restarts: int = 0
    restart_reason: str | None = None  # why the rust-analyzer before this one stopped
    in_flight: int = 0  # calls using this workspace now; eviction leaves it alone while non-zero
    generation: int = 0  # bumped each time rust-analyzer is told of a change on disk
    # the (generation, file or None for the whole workspace) a diagnostics call last started a check
    # for, and the one whose check finished (its findings stand while nothing changes)
    check_started: tuple[int, str | None] | None = None
    check_finished: tuple[int, str | None] | None = None
    answers: dict[tuple[object, ...], tuple[int, object]] = field(default_factory=dict)
    settle_first: bool = False  # started in place of one stopped for a stuck macro: first answer waits
    reloading: ReloadingFiles = field(default_factory=ReloadingFiles)  # manifests as rust-analyzer has them
    # told of a change it reloads for, not yet seen to begin: every call waits for it (reload_wait.py)
    reload: PendingReload | None = None

    def remembered(self, key: tuple[object, ...]) -> object | None:
        """A whole answer remembered for its pages, while no file has changed since it was made."""
        kept = self.answers.get(key)
        return kept[1] if kept is not None and kept[0] == self.generation else None

    def remember(self, key: tuple[object, ...], answer: object, made_at: int | None = None) -> None:
        """Keep `answer` for its next pages; not when a file changed since `made_at` (the generation
        its making started in): it is already stale."""
        if made_at is not None and made_at != self.generation:
            return
        self.answers.pop(key, None)
        while len(self.answers) >= REMEMBERED_ANSWERS:
            self.answers.pop(next(iter(self.answers)))
        self.answers[key] = (self.generation, answer)

    @property
    def key(self) -> WorkspaceKey:
        return (self.root, self.toolchain)

    @property
    def state_text(self) -> str:
        return self.client.state.busy_summary()

    def doing(self, proc_macro_seconds: float) -> str:
        """What rust-analyzer is doing, as a call's answer at its deadline says: its work, an expansion
        running long."""
        note = self.client.state.proc_macros.notice(time.monotonic(), proc_macro_seconds)
        return "; ".join(part for part in (self.state_text if self.client.alive else "stopped", note) if part)

    async def wait_ready(self, bound: float, report: ProgressCallback | None = None) -> None:
        """Return once rust-analyzer answers right; raise StillIndexing after `bound` s (readiness.py)."""
        await wait_ready(self.client, self.root, bound, report)

    async def sync_from_disk(self) -> list[Path]:
        """Tell rust-analyzer about every source or manifest changed on disk before this call.
        Changed .rs files are sent with their contents (didOpen/didChange), which rust-analyzer
        applies before it answers the next request; manifests go as watched-file events. Calls that
        arrive while a re-sync runs share the next one. The pool asks for it only when something may
        have changed (pool.in_sync), or a reload it was told of is pending: a call cut or cancelled
        while it waited for the reload to begin leaves the wait to the next call."""
        paths = await self.syncs.run(self._sync) or []
        if (pending := self.reload) is not None:
            with call_deadline.waiting(f"rust-analyzer to begin reloading after {pending.names} changed"):
                await await_reload(pending)
            if self.reload is pending:
                self.reload = None
        return paths

    async def _sync(self) -> list[Path]:
        journals = [self.journal, *self.outside]
        candidates, self.written = self.written, set()
        watched: list[Path] = []
        untold, self.untold = self.untold, set()
        changed: list[str] = []
        try:  # the journals forget what they hand out: until rust-analyzer is told, it is kept here
            candidates |= untold
            for journal in journals:
                candidates |= await refreshed(journal)  # off the loop when it walks the whole tree
            current = {path: stamp for journal in journals for path, stamp in journal.files.items()}
            touched = set().union(*(journal.touched for journal in journals))
            changed = sorted(
                path
                for path in candidates
                if self.snapshot.get(path) != current.get(path)
                or (path in touched and path in current)
                or path in untold
            )
            if not self.reloading.baseline_taken:
                baseline = (self.scope, list(current), set(changed))
                await off_loop(self.reloading.take_baseline, *baseline, what="reading the manifests")
            if not changed:
                return []
            paths = [Path(path) for path in changed]
            watched = [path for path in paths if path.name in WATCHED_NAMES]
            reloads = bool(watched) and await off_loop(
                self.reloading.reload_follows,
                self.scope,
                watched,
                moved(watched, current, self.snapshot),
                what="reading the changed manifests",
            )
            if any(path.name == MANIFEST_NAME for path in paths):
                await self._follow_manifests()
            private = self.client.command.env.get(LOCKFILE_PATH_ENV)
            if private and self.root / "Cargo.lock" in paths:
                await off_loop(refresh_private_lock, self.root, Path(private), what="copying Cargo.lock")
            encoded, told = await self._made(paths, current, "reading the changed sources")
        except BaseException:  # cancelled (or failed) before telling: the next call tells them
            self.written |= candidates
            self.untold |= set(changed)
            self.reloading.forget(watched)  # what rust-analyzer has of them is unknown again
            raise
        rest = [path for path in paths if path not in told]
        self._announce(rest, {path: current[path] for path in changed if path in current}, encoded)
        if watched:  # waited for by sync_from_disk, and by every call until it is over
            names = ", ".join(sorted({path.name for path in watched}))
            seconds = RELOAD_WAIT_SECONDS if reloads else SHORT_WAIT_SECONDS
            self.reload = expect_reload(self.client.state, names, seconds)
        return paths

    async def _follow_manifests(self) -> None:
        """A manifest changed: watch the outside trees it names now, before rust-analyzer reloads (it
        reads a new tree itself: what it reads is the baseline), and no longer the ones it dropped."""
        before = self.outside
        self.outside, dropped = await followed(self.root, self.journal, self.scope.roots.paths, before)
        for journal in self.outside:
            if journal not in before:
                self.snapshot.update(journal.files)
        for journal in dropped:
            journal.close()
            for path in journal.files:
                self.snapshot.pop(path, None)
                self._close(Path(path))  # rust-analyzer reads it from disk again, if it still loads it

    async def close(self, grace: float = 3.0) -> None:
        """Stop watching the files and stop rust-analyzer."""
        for journal in (self.journal, *self.outside):
            journal.close()
        await self.client.shutdown(grace=grace)

    async def push_written(self, paths: list[Path]) -> None:
        """Files we just wrote: sent now rather than at the next re-sync (which compares them again
        anyway, so they wait for it if not made in time), made off the loop as a re-sync's are."""
        self.written |= {str(path) for path in paths}  # the next re-sync compares them again
        current = {str(path): stamp for path in paths if (stamp := stamp_of(str(path))[0]) is not None}
        try:
            encoded, told = await self._made(paths, current, "reading the files written")
        except DoorTimeout:
            return
        self._announce([path for path in paths if path not in told], current, encoded)

    async def _made(self, paths: list[Path], current: Mapping[str, FileStamp], what: str) -> Made:
        """The messages of the .rs files of `paths`, made off the loop BATCH_BYTES at a time: each
        batch but the last told at once (no more held at once); the last, and the paths told."""
        files = [
            (path, self.versions.get(path)) for path in paths if path.suffix == ".rs" and str(path) in current
        ]
        told: set[Path] = set()
        while True:
            encoded = await off_loop(encode_sources, self.scope, files, BATCH_BYTES, what=what)
            encoded = await self._for_versions_now(encoded, what)  # no await from here to the telling
            files = [(path, version) for path, version in files if path not in encoded]
            if not files:
                return encoded, told
            self._announce(list(encoded), {str(path): current[str(path)] for path in encoded}, encoded)
            told |= set(encoded)

    async def _for_versions_now(self, encoded: dict[Path, Encoded], what: str) -> dict[Path, Encoded]:
        """`encoded`, with each message made for a version rust-analyzer no longer has (another call
        sent the file meanwhile: push_written and a re-sync) made again, off the loop too: a file of
        8 MiB is ~95 ms of reading and JSON-encoding that every session would wait for."""
        while stale := [
            (path, self.versions.get(path))
            for path, made in encoded.items()
            if made.version != self.versions.get(path)
        ]:
            encoded = {**encoded, **await off_loop(encode_sources, self.scope, stale, what=what)}
        return encoded

    def _announce(
        self, changed: list[Path], current: dict[str, FileStamp], encoded: Mapping[Path, Encoded] = {}
    ) -> None:
        if not changed:
            return
        self.generation += 1
        events = []
        for path in changed:
            key = str(path)
            exists = key in current
            if exists:
                kind = lsp.FileChangeType.Changed if key in self.snapshot else lsp.FileChangeType.Created
                self.snapshot[key] = current[key]
            else:
                kind = lsp.FileChangeType.Deleted
                self.snapshot.pop(key, None)
            if path.suffix == ".rs" and not self._send_contents(path, exists, encoded.get(path)):
                continue  # not ours to read: rust-analyzer is not told about it
            events.append(lsp.FileEvent(uri=path.as_uri(), type=kind))
        if events:
            params = lsp.DidChangeWatchedFilesParams(changes=events)
            self.client.notify(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES, params)

    def _close(self, path: Path) -> None:
        if self.versions.pop(path, None) is not None:
            self.client.notify(
                lsp.TEXT_DOCUMENT_DID_CLOSE,
                lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=path.as_uri())),
            )

    def _send_contents(self, path: Path, exists: bool, made: Encoded | None = None) -> bool:
        """Send a changed file's contents (or close a deleted one): the message `made` off the loop
        (source_messages.py) for the version rust-analyzer has (_made sees to it). Never made here, on
        the loop: one missing or made for another version is left to the next re-sync (untold). A
        file that leads outside the roots, through a link, or is over MAX_SYNC_BYTES is not read: it
        is closed if we had opened it, and False is returned."""
        version = self.versions.get(path)
        if not exists:
            self._close(path)
            return True
        if made is None or made.version != version:
            self.untold.add(str(path))
            return False
        if made.message is None:
            self._close(path)
            return False
        self.versions[path] = 1 if version is None else version + 1
        self.client.notify_encoded(made.message)
        return True
