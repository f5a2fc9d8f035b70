"""The pool of rust-analyzers: one per workspace root and requested toolchain, started on first use,
kept warm, evicted when idle or over the limit, restarted after a crash (and after a proc macro that
never returns, with that macro ignored)."""

from __future__ import annotations

import asyncio
import functools
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import InitVar, dataclass, field
from pathlib import Path
from typing import TypeVar

from rust_mcp.core.budgets import ProgressCallback
from rust_mcp.core.cargo_projects import manifest_and_root
from rust_mcp.core.client_policy import ClientPolicy, PolicyOfCall, no_client_policy
from rust_mcp.core.containment import cargo_home
from rust_mcp.core.errors import Refusal
from rust_mcp.core.file_stamps import FileStamp, file_stamp
from rust_mcp.core.lockfile import private_lock_env
from rust_mcp.core.project_files import off_loop
from rust_mcp.core.roots import AllowedRoots, PathRefused, ReadScope

from .. import call_deadline
from ..lsp.discovery import Analyzer
from ..lsp.errors import AnalyzerCrashed, AnalyzerRequestFailed
from ..lsp.proc_macro_watch import StuckMacros
from ..settings import PoolSettings
from .change_journal import ChangeJournal
from .check_copies import CheckCopies
from .journal_walks import made
from .workspaces import Launcher, Workspace, WorkspaceKey, is_watched

T = TypeVar("T")


@dataclass(eq=False)  # shared by the servers of one key (shared_pools.py): compared by identity
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
    # room made over every pool of the process before one more starts (shared_pools.py sets it)
    shared_room: Callable[[], Awaitable[None]] | None = field(default=None, init=False)
    # whether the calling session's client policy would let this rust-analyzer start (a Refusal
    # when not): asked when a call comes under another policy than the one it started under
    admit: Callable[[Path, str | None, ClientPolicy | None], Awaitable[None]] | None = field(
        default=None, init=False
    )
    _started_under: dict[WorkspaceKey, str] = field(default_factory=dict, init=False)
    _admitted_under: dict[WorkspaceKey, set[str]] = field(default_factory=dict, init=False)

    def __post_init__(self, read_scope: ReadScope | None) -> None:
        self.scope = read_scope or ReadScope.for_roots(self.roots, cargo_home())

    async def root_for(self, path: Path) -> Path:
        """The workspace root rust-analyzer should load for a file or directory inside the roots, found
        off the loop (it parses manifests); cached per directory while its manifest is unchanged."""
        start = path if path.is_dir() else path.parent  # noqa: ASYNC240 -- one stat
        cached = self._roots_cache.get(start)
        if cached is not None and self._still_found(*cached):
            return cached[0]
        try:
            what = f"finding the Cargo workspace of {path}"
            manifest, root = await off_loop(manifest_and_root, start, self.roots, what=what)
        except PathRefused as exc:
            raise Refusal(f"{path} is not inside a Cargo project: {exc}") from exc
        stamp = file_stamp(manifest)
        if stamp is not None:
            self._roots_cache[start] = (root, manifest, stamp)
        return root

    def _still_found(self, root: Path, manifest: Path, stamp: FileStamp) -> bool:
        """Whether a cached root still holds: its manifest unchanged, as the journal of a running
        rust-analyzer at that root records it while the journal vouches for the tree, else stat'ed."""
        for workspace in self.workspaces.values():
            if workspace.root == root and vouched(workspace.journal):
                known = workspace.journal.files.get(str(manifest))
                if known is not None:
                    return known == stamp
        return file_stamp(manifest) == stamp

    async def get(
        self, root: Path, toolchain: str | None = None, policy: PolicyOfCall = no_client_policy
    ) -> Workspace:
        """The running rust-analyzer of `root` and `toolchain`, started (under the calling client's
        `policy`, read only then and where another session's policy may differ) when there is none."""
        key = (root, toolchain)
        workspace = self.workspaces.get(key)
        if workspace is not None and workspace.client.alive:
            if self.admit is not None:
                await self._admitted(key, policy())
            workspace.last_used = time.monotonic()
            return workspace
        lock = self._starting.setdefault(key, asyncio.Lock())
        why = f" after it stopped ({workspace.client.failure()})" if workspace is not None else ""
        with call_deadline.waiting(f"rust-analyzer to {'re' if why else ''}start on {root}{why}"):
            return await self._start_or_restart(key, lock, policy)

    async def _start_or_restart(
        self, key: WorkspaceKey, lock: asyncio.Lock, policy: PolicyOfCall
    ) -> Workspace:
        """get's start (or restart, after a crash) of the rust-analyzer of `key`, one at a time."""
        root, toolchain = key
        async with lock:
            workspace = self.workspaces.get(key)
            if workspace is not None and workspace.client.alive:
                if self.admit is not None:
                    await self._admitted(key, policy())
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
            if self.shared_room is not None:
                await self.shared_room()
            sent = policy()
            workspace = await self._start(root, toolchain, sent)
            workspace.restarts, workspace.restart_reason = restarts, reason
            workspace.settle_first = bool(self.stuck.labels(root)) and restarts > 0
            self.workspaces[key] = workspace
            self._started_under[key] = repr(sent)
            self._admitted_under.pop(key, None)  # a new rust-analyzer: every other policy asked again
            return workspace

    async def _admitted(self, key: WorkspaceKey, policy: ClientPolicy | None) -> None:
        """A Refusal when the calling session's client policy would not let this rust-analyzer
        start (another session of the engine, under another policy, started it); a policy once
        admitted for this rust-analyzer is not asked again."""
        said = repr(policy)
        admitted = self._admitted_under.setdefault(key, set())
        if self.admit is None or self._started_under.get(key, said) == said or said in admitted:
            return
        await self.admit(*key, policy)
        admitted.add(said)

    async def _start(self, root: Path, toolchain: str | None, policy: ClientPolicy | None) -> Workspace:
        command = await self.launcher(root, toolchain, policy) if self.launcher is not None else None
        own_lock = root / "target" / "rust-analyzer"  # the launcher gives a sandboxed one its own
        env = self.env
        if command is None:
            env = {**env, **await off_loop(private_lock_env, root, own_lock, what="copying Cargo.lock")}
        from ..lsp.client import (
            AnalyzerClient,  # pygls and lsprotocol: imported when the first workspace starts
        )

        client = AnalyzerClient(
            root,
            self.analyzer,
            env,
            command=command,
            ignored_macros=self.stuck.ignored(root),
            proc_macro_seconds=self.settings.proc_macro_seconds,
            flycheck_seconds=self.settings.flycheck_seconds,
        )
        within = self.scope.roots.paths
        copies = CheckCopies.for_command(root, client.command.env, client.command.contained, within)
        if copies is not None:  # its check kept for cargo_check; the copies go with it
            client.state.on_flycheck = copies.event
            client.state.ran_to_end = copies.ran_to_end
            client.on_exit(copies.closing)
        journal, outside = await made(root, is_watched, within)  # watching before rust-analyzer reads
        try:
            await client.start()
        except BaseException:  # cancelled too (a session gone while its start ran): nothing left running
            for each in (journal, *outside):
                each.close()
            await client.shutdown(grace=0)
            raise
        return Workspace(
            root=root,
            client=client,
            scope=self.scope,
            journal=journal,
            outside=outside,
            snapshot={path: stamp for each in (journal, *outside) for path, stamp in each.files.items()},
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

    async def run(
        self,
        root: Path,
        operation: Callable[[Workspace], Awaitable[T]],
        report: ProgressCallback | None = None,
        toolchain: str | None = None,
        policy: PolicyOfCall = no_client_policy,
    ) -> T:
        """Run `operation` on a ready, freshly synced workspace (its rust-analyzer started with
        `toolchain`, under the client's `policy` if it starts now); if rust-analyzer dies or panics
        during it, start a new one and run the operation once more."""
        for attempt in (1, 2):
            workspace = await self.get(root, toolchain, policy)
            workspace.in_flight += 1
            try:
                if (deadline := call_deadline.CURRENT.get()) is not None:  # what an answer at the cut says
                    deadline.doing = functools.partial(workspace.doing, self.settings.proc_macro_seconds)
                    deadline.waiting_for = f"rust-analyzer's answer on {root}"  # after the waits below
                if not in_sync(workspace):
                    with call_deadline.waiting("the re-sync of the files changed on disk"):
                        await workspace.sync_from_disk()
                if not workspace.client.state.quiescent:  # ready at once when rust-analyzer said so
                    await workspace.wait_ready(call_deadline.ready_bound(self.settings.ready_seconds), report)
                if workspace.settle_first:  # its load ran beside a spinning check: let it all settle
                    with call_deadline.waiting(f"rust-analyzer to settle on {root} after its restart"):
                        await workspace.client.until_quiescent(
                            call_deadline.ready_bound(self.settings.ready_seconds)
                        )
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


def in_sync(workspace: Workspace) -> bool:
    """Whether rust-analyzer already has every file as it is on disk, known without reading or stamping
    a file: nothing we wrote (or a stopped re-sync found) waits to be sent, no re-sync runs nor reload
    told of waits to begin (rust-analyzer may not have its news yet), and the journal vouches for it."""
    if workspace.written or workspace.untold or workspace.reload or workspace.syncs.lock.locked():
        return False
    return all(vouched(journal) for journal in (workspace.journal, *workspace.outside))


def vouched(journal: ChangeJournal) -> bool:
    """Whether the journal's `files` are the tree as it is now: no event heard since its last refresh
    (the event loop hears the kernel's), no link to re-stat, and its root still the directory watched
    (a root replaced by renaming a parent raises no event)."""
    if journal.hearing.heard:
        return False
    try:
        now = os.stat(journal.root)
    except OSError:
        return False
    return (now.st_dev, now.st_ino) == journal.root_identity


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
