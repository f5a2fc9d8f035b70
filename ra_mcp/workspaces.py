"""The pool of rust-analyzers: one per workspace root, started on first use, kept warm, evicted when
idle or over the limit, restarted after a crash. Each workspace re-syncs files changed on disk
before a call (its change journal says which) and knows when rust-analyzer is ready to answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import InitVar, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import anyio

from rust_mcp.core.budgets import MAX_SYNC_BYTES, ProgressCallback
from rust_mcp.core.containment import cargo_home
from rust_mcp.core.errors import Refusal
from rust_mcp.core.lockfile import LOCKFILE_PATH_ENV, private_lock_env, refresh_private_lock
from rust_mcp.core.project_files import off_loop
from rust_mcp.core.read_scope import ReadScope
from rust_mcp.core.roots import (
    MANIFEST_NAME,
    AllowedRoots,
    PathRefused,
    find_manifest,
    find_workspace_root,
)
from rust_mcp.core.sandbox import SandboxedCommand

from .change_journal import ChangeJournal, FileStamp, SharedRuns, stamp_of
from .discovery import Analyzer
from .lsp_errors import AnalyzerCrashed, AnalyzerRequestFailed
from .lsp_types import lsp
from .proc_macro_watch import StuckMacros
from .settings import PoolSettings

if TYPE_CHECKING:
    from .lsp import AnalyzerClient

T = TypeVar("T")
# the command starting a workspace's analyzer on a toolchain (None: the server's default or the project's)
Launcher = Callable[[Path, str | None], Awaitable[SandboxedCommand]]
WorkspaceKey = tuple[Path, str | None]  # one rust-analyzer per workspace root and requested toolchain
REMEMBERED_ANSWERS = 4  # whole answers kept per workspace for their next pages
WATCHED_NAMES = frozenset({MANIFEST_NAME, "Cargo.lock", "rust-toolchain", "rust-toolchain.toml"})


class StillIndexing(RuntimeError):
    """rust-analyzer did not become ready within the bound; the message says how far it got."""


def scan_sources(root: Path) -> dict[Path, FileStamp]:
    """.rs files and manifests under `root` with their stamps (build output and VCS skipped)."""
    return {
        Path(path): stamp for path, stamp in ChangeJournal(root, _watched, use_inotify=False).files.items()
    }


def _watched(name: str) -> bool:
    return name.endswith(".rs") or name in WATCHED_NAMES


def _stamp(path: Path) -> FileStamp | None:
    return stamp_of(str(path))[0]


@dataclass
class Workspace:
    root: Path
    client: AnalyzerClient
    scope: ReadScope  # what the re-sync may read: inside the roots, never through a link
    journal: ChangeJournal  # the files on disk now, and which changed since the last call
    snapshot: dict[str, FileStamp] = field(default_factory=dict)  # what rust-analyzer was told
    versions: dict[Path, int] = field(default_factory=dict)
    last_used: float = field(default_factory=time.monotonic)
    syncs: SharedRuns = field(default_factory=SharedRuns)  # concurrent calls share one re-sync
    written: set[str] = field(default_factory=set)  # pushed by us since the last re-sync
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

    def remembered(self, key: tuple[object, ...]) -> object | None:
        """A whole answer remembered for its pages, while no file has changed since it was made."""
        kept = self.answers.get(key)
        return kept[1] if kept is not None and kept[0] == self.generation else None

    def remember(self, key: tuple[object, ...], answer: object) -> None:
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

    async def wait_ready(self, bound: float, report: ProgressCallback | None = None) -> None:
        """Return once rust-analyzer answers right (quiescent, or its build data applied: see
        AnalyzerState.ready_in); raise StillIndexing after `bound` seconds."""
        state = self.client.state
        deadline = time.monotonic() + bound
        sent = 0.0
        last_text = ""
        while True:
            if not self.client.alive:
                raise AnalyzerCrashed(f"rust-analyzer exited with code {self.client.exit_code}")
            now = time.monotonic()
            settling = state.ready_in(now)
            if settling == 0.0:
                return
            remaining = deadline - now
            if remaining <= 0:
                raise StillIndexing(
                    f"rust-analyzer is still indexing {self.root} ({self.state_text}); try again in a few "
                    "seconds, or call rust_analyzer_status to watch it"
                )
            state.changed.clear()
            with anyio.move_on_after(min(remaining, 1.0, 1.0 if settling is None else settling)):
                await state.changed.wait()
            text = self.state_text
            if report is not None and text != last_text:
                sent += 1
                await report(sent, None, f"rust-analyzer: {text}")
                last_text = text

    async def sync_from_disk(self) -> list[Path]:
        """Tell rust-analyzer about every source or manifest changed on disk before this call.
        Changed .rs files are sent with their contents (didOpen/didChange), which rust-analyzer
        applies before it answers the next request; manifests go as watched-file events. Calls that
        arrive while a re-sync runs share the next one."""
        return await self.syncs.run(self._sync) or []

    async def _sync(self) -> list[Path]:
        candidates = self.journal.refresh() | self.written
        self.written = set()
        current, touched = self.journal.files, self.journal.touched
        changed = sorted(
            path
            for path in candidates
            if self.snapshot.get(path) != current.get(path) or (path in touched and path in current)
        )
        if not changed:
            return []
        paths = [Path(path) for path in changed]
        private = self.client.command.env.get(LOCKFILE_PATH_ENV)
        if private and self.root / "Cargo.lock" in paths:
            await off_loop(refresh_private_lock, self.root, Path(private), what="copying Cargo.lock")
        self._announce(paths, {path: current[path] for path in changed if path in current})
        if any(path.name in WATCHED_NAMES for path in paths):
            await self._await_reload()
        return paths

    async def close(self, grace: float = 3.0) -> None:
        """Stop watching the files and stop rust-analyzer."""
        self.journal.close()
        await self.client.shutdown(grace=grace)

    def push_written(self, paths: list[Path]) -> None:
        """Files we just wrote: send them now rather than wait for the next scan."""
        current = {str(path): stamp for path in paths if (stamp := _stamp(path)) is not None}
        self.written |= {str(path) for path in paths}  # the next re-sync compares them again
        self._announce(paths, current)

    def _announce(self, changed: list[Path], current: dict[str, FileStamp]) -> None:
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
            if path.suffix == ".rs" and not self._send_contents(path, exists):
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

    def _send_contents(self, path: Path, exists: bool) -> bool:
        """Send a changed file's contents (or close a deleted one). A file that leads outside the roots,
        through a link, or is over MAX_SYNC_BYTES is not read: it is closed if we had opened it, and
        False is returned."""
        uri = path.as_uri()
        version = self.versions.get(path)
        if not exists:
            self._close(path)
            return True
        try:
            text = self.scope.read(path, MAX_SYNC_BYTES).decode("utf-8", errors="replace")
        except Refusal:
            self._close(path)
            return False
        if version is None:
            self.versions[path] = 1
            self.client.notify(
                lsp.TEXT_DOCUMENT_DID_OPEN,
                lsp.DidOpenTextDocumentParams(
                    text_document=lsp.TextDocumentItem(uri=uri, language_id="rust", version=1, text=text)
                ),
            )
        else:
            self.versions[path] = version + 1
            self.client.notify(
                lsp.TEXT_DOCUMENT_DID_CHANGE,
                lsp.DidChangeTextDocumentParams(
                    text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version + 1),
                    content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
                ),
            )
        return True

    async def _await_reload(self) -> None:
        """A manifest changed: give rust-analyzer a moment to notice and leave quiescence, so the
        readiness wait that follows does not pass on the old state."""
        state = self.client.state
        state.expect_reload()
        with anyio.move_on_after(1.0):
            while state.quiescent:
                state.changed.clear()
                await state.changed.wait()


@dataclass(eq=False)  # one pool per server: compared by identity
class WorkspacePool:
    """The running rust-analyzers, one per workspace root and requested toolchain, started on first use
    and stopped when idle or when more than settings.max_workspaces run."""

    roots: AllowedRoots
    analyzer: Analyzer
    env: dict[str, str]
    settings: PoolSettings = field(default_factory=PoolSettings)
    launcher: Launcher | None = None
    read_scope: InitVar[ReadScope | None] = None  # default: the roots and the cargo home
    scope: ReadScope = field(init=False)
    workspaces: dict[WorkspaceKey, Workspace] = field(default_factory=dict, init=False)
    crashes: int = field(default=0, init=False)
    stuck: StuckMacros = field(default_factory=StuckMacros, init=False)  # macros ignored per root
    _starting: dict[WorkspaceKey, asyncio.Lock] = field(default_factory=dict, init=False)
    _roots_cache: dict[Path, tuple[Path, Path, FileStamp]] = field(default_factory=dict, init=False)

    def __post_init__(self, read_scope: ReadScope | None) -> None:
        self.scope = read_scope or ReadScope.for_roots(self.roots, cargo_home())

    def root_for(self, path: Path) -> Path:
        """The workspace root rust-analyzer should load for a file or directory inside the roots.
        Cached per directory while its manifest is unchanged (asked on every call)."""
        start = path if path.is_dir() else path.parent
        cached = self._roots_cache.get(start)
        if cached is not None and _stamp(cached[1]) == cached[2]:
            return cached[0]
        try:
            manifest = find_manifest(start, self.roots)
        except PathRefused as exc:
            raise Refusal(f"{path} is not inside a Cargo project: {exc}") from exc
        root = find_workspace_root(manifest, self.roots)
        stamp = _stamp(manifest)
        if stamp is not None:
            self._roots_cache[start] = (root, manifest, stamp)
        return root

    async def get(self, root: Path, toolchain: str | None = None) -> Workspace:
        key = (root, toolchain)
        workspace = self.workspaces.get(key)
        if workspace is not None and workspace.client.alive:
            workspace.last_used = time.monotonic()
            return workspace
        lock = self._starting.setdefault(key, asyncio.Lock())
        async with lock:
            workspace = self.workspaces.get(key)
            if workspace is not None and workspace.client.alive:
                return workspace
            restarts, reason = 0, None
            if workspace is not None:  # it died: start a new one in its place
                restarts = workspace.restarts + 1
                self.crashes += 1
                reason = workspace.client.failure()
                if (expansion := workspace.client.state.proc_macros.stuck) is not None:
                    self.stuck.add(root, expansion)
                await workspace.close(grace=0.5)
            await self._make_room()
            workspace = await self._start(root, toolchain)
            workspace.restarts, workspace.restart_reason = restarts, reason
            workspace.settle_first = bool(self.stuck.labels(root)) and restarts > 0
            self.workspaces[key] = workspace
            return workspace

    async def _start(self, root: Path, toolchain: str | None) -> Workspace:
        command = await self.launcher(root, toolchain) if self.launcher is not None else None
        own_lock = root / "target" / "rust-analyzer"  # the launcher gives a sandboxed one its own
        env = self.env
        if command is None:
            env = {**env, **await off_loop(private_lock_env, root, own_lock, what="copying Cargo.lock")}
        from .lsp import AnalyzerClient  # pygls and lsprotocol: imported when the first workspace starts

        client = AnalyzerClient(
            root,
            self.analyzer,
            env,
            command=command,
            ignored_macros=self.stuck.ignored(root),
            proc_macro_seconds=self.settings.proc_macro_seconds,
            flycheck_seconds=self.settings.flycheck_seconds,
        )
        journal = ChangeJournal(root, _watched)  # watching before rust-analyzer reads anything
        try:
            await client.start()
        except BaseException:
            journal.close()
            raise
        return Workspace(
            root=root,
            client=client,
            scope=self.scope,
            journal=journal,
            snapshot=dict(journal.files),
            toolchain=toolchain,
        )

    async def _make_room(self) -> None:
        """Stop the least recently used idle workspaces until there is room for one more. Workspaces
        serving a call are never stopped, so the limit can be exceeded while they finish."""
        while len(self.workspaces) >= self.settings.max_workspaces:
            idle = [w for w in self.workspaces.values() if w.in_flight == 0]
            if not idle:
                return
            await self.close(min(idle, key=lambda w: w.last_used).key)

    async def close(self, key: WorkspaceKey) -> None:
        workspace = self.workspaces.pop(key, None)
        if workspace is not None:
            await workspace.close()

    async def close_all(self) -> None:
        for key in list(self.workspaces):
            await self.close(key)

    async def evict_idle_forever(self) -> None:
        """Stop rust-analyzers unused for `idle_seconds`, checking a few times per idle period."""
        every = max(1.0, min(60.0, self.settings.idle_seconds / 3))
        while True:
            await anyio.sleep(every)
            now = time.monotonic()
            for workspace in list(self.workspaces.values()):
                if workspace.in_flight == 0 and now - workspace.last_used > self.settings.idle_seconds:
                    await self.close(workspace.key)

    async def run(
        self,
        root: Path,
        operation: Callable[[Workspace], Awaitable[T]],
        report: ProgressCallback | None = None,
        toolchain: str | None = None,
    ) -> T:
        """Run `operation` on a ready, freshly synced workspace (its rust-analyzer started with
        `toolchain`); if rust-analyzer dies or panics during it, start a new one and run the operation
        once more."""
        for attempt in (1, 2):
            workspace = await self.get(root, toolchain)
            workspace.in_flight += 1
            try:
                await workspace.sync_from_disk()
                await workspace.wait_ready(self.settings.ready_seconds, report)
                if workspace.settle_first:  # its load ran beside a spinning check: let it all settle
                    await workspace.client.until_quiescent(self.settings.ready_seconds)
                    workspace.settle_first = False
                return await operation(workspace)
            except BaseException as raised:
                # an operation's task group (parallel requests) raises a group: act on what is in it
                error = _first_error(raised) if isinstance(raised, BaseExceptionGroup) else raised
                crashed = isinstance(error, AnalyzerCrashed) or (
                    isinstance(raised, BaseExceptionGroup) and raised.subgroup(AnalyzerCrashed) is not None
                )
                panicked = isinstance(error, AnalyzerRequestFailed) and error.panicked
                if attempt == 2 or not (crashed or panicked):
                    if error is raised:
                        raise
                    raise error from raised
                if panicked:  # a panic can leave rust-analyzer's caches poisoned: start afresh
                    await workspace.client.shutdown(grace=0.5)
            finally:
                workspace.in_flight -= 1
                workspace.last_used = time.monotonic()
        raise AssertionError("unreachable")


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first plain error in a task group's exception group, so callers handle it as if the
    requests had run one by one; the group itself when it holds a cancellation."""
    leaves: list[BaseException] = []

    def collect(item: BaseException) -> None:
        if isinstance(item, BaseExceptionGroup):
            for inner in item.exceptions:
                collect(inner)
        else:
            leaves.append(item)

    collect(group)
    return leaves[0] if leaves and all(isinstance(leaf, Exception) for leaf in leaves) else group
