"""cargo check and clippy runs shared between the calls of every server in this process (the
engine's sessions): two identical calls at once run cargo once, and a call asked again with nothing
changed since an identical run finished gets that run's answer, saying so, instead of running cargo.
Identical means the same project files (tree_state.py) and everything the run depends on: the
workspace, directory, toolchain, cargo's arguments and environment, the timeout, the page asked for,
the sandbox and its limits, and the client's own sandbox policy (rust_mcp/core/shared_runs.py).
Only runs that write no project file are shared.

Builds, tests and the other runs that write no project file are registered too (LEFT_RUNS), for one
purpose: a call that reaches its answer deadline leaves its run going, and the next identical call
joins it or takes its finished result, once; a repeat after that runs cargo again."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Hashable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

from cargo_mcp.results.models import CargoResult
from cargo_mcp.run.invocation import Invocation
from cargo_mcp.run.settings import CargoSettings
from rust_mcp.core import analyzer_checks
from rust_mcp.core.budgets import CARGO_TEXT_BUDGET, ProgressCallback
from rust_mcp.core.cargo_projects import MANIFEST_NAME, SKIP_DIRS
from rust_mcp.core.client_policy import ClientPolicy
from rust_mcp.core.file_stamps import Stamps, resolved, stamps_of
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.core.shared_runs import Shared, SharedRuns, StillRunning, relevant_env
from rust_mcp.core.skipped_reads import DIRECTORY_VARIABLES
from rust_mcp.core.toolchains import Toolchains
from rust_mcp.core.tree_state import settle, tree_state

WRITING_FLAGS = frozenset({"--fix", "--allow-dirty", "--allow-staged"})
RUNS: SharedRuns[CargoResult] = SharedRuns()
LEFT_RUNS: SharedRuns[CargoResult] = SharedRuns(hand_once=True)


@dataclass(frozen=True)
class SharedCheck:
    """The shared check that answered a call: what a repeat of the call looks it up by (repeats.py)."""

    invocation: Invocation
    key: Hashable
    tree: tuple[Path, tuple[Path, ...], bool]  # tree_state's root, allowed roots and lockfile
    result: CargoResult  # as kept by RUNS, before this call's note


# set by run_shared in the calling task, for the caller of the whole call (call_routes.answer_call)
LAST_SHARED: ContextVar[SharedCheck | None] = ContextVar("last_shared_check", default=None)


def shareable(invocation: Invocation) -> bool:
    """Whether a run may be shared: a check or lint that writes no project file, and leaves its build
    records where the files' state reads them (no build directory moved by cargo_env: skipped_reads)."""
    own = os.path.normpath(invocation.workspace_root / "target")
    moved = any(
        os.path.normpath(invocation.cwd / invocation.env[name]) != own
        for name in DIRECTORY_VARIABLES
        if name in invocation.env
    )
    return invocation.command.shared and may_leave_running(invocation) and not moved


def may_leave_running(invocation: Invocation) -> bool:
    """Whether a run may go on after its call answered (at its deadline): it writes no project file."""
    command = invocation.command
    return (
        command.guards is None
        and not command.edits_project
        and not WRITING_FLAGS.intersection(invocation.args)
    )


def run_key(settings: CargoSettings, invocation: Invocation, policy: ClientPolicy | None) -> Hashable:
    return (
        invocation.command.name,
        str(invocation.workspace_root),
        str(invocation.cwd),
        invocation.toolchain,
        tuple(invocation.argv),
        tuple(sorted(invocation.env.items())),
        invocation.timeout,
        invocation.offset,
        repr(policy),
        repr((settings.roots, settings.sandbox, settings.grants, settings.limits, settings.fetch_hosts)),
        repr((settings.compiler_cache, settings.stream_budget, settings.max_diagnostics)),
        relevant_env(os.environ),
    )


async def run_shared(
    settings: CargoSettings,
    invocation: Invocation,
    policy: ClientPolicy | None,
    report: ProgressCallback | None,
    run_once: Callable[[ProgressCallback], Awaitable[CargoResult]],
    answer_by: float | None = None,
    from_analyzer: Callable[[str], Awaitable[CargoResult | None]] | None = None,
) -> CargoResult:
    """The run's result for this call, from `run_once` (given progress reaching every caller), from
    an identical run, or (`from_analyzer`) from rust-analyzer's check of the same files, with a hint
    saying which; with `answer_by` (seconds), a run still going then is left going and this call
    says so (still_running)."""
    runs = RUNS if shareable(invocation) else LEFT_RUNS
    # a build or test left running writes Cargo.lock itself: the call coming back must still find it
    lockfile = runs is RUNS
    root, within = invocation.workspace_root, settings.roots.paths
    state = await anyio.to_thread.run_sync(tree_state, root, within, lockfile)
    # only a rust-analyzer in this process (an engine's) keeps checks; a server on its own has none
    kept = invocation.command.answers_from_analyzer and analyzer_checks.FINISHED
    reused = await from_analyzer(state) if from_analyzer is not None and kept and runs is RUNS else None
    if reused is not None:
        return reused

    async def job(progress: ProgressCallback) -> CargoResult:
        result = await run_once(progress)
        # a tree changed just before its walk is walked again now, so that a repeat need not
        await anyio.to_thread.run_sync(settle, root, within, lockfile)
        return result

    key = run_key(settings, invocation, policy)
    shared = await runs.run_or_leave(key, state, job, report, _reusable, answer_by)
    if isinstance(shared, StillRunning):
        return still_running(invocation, shared, answer_by or 0.0)
    if runs is RUNS:
        LAST_SHARED.set(SharedCheck(invocation, key, (root, tuple(within), lockfile), shared.result))
    return answer(shared, " ".join(invocation.command.subcommand))


def still_running(invocation: Invocation, waiting: StillRunning, answer_by: float) -> CargoResult:
    """The answer of a call whose run goes on past its answer deadline."""
    progress = f"; last progress: {waiting.progress}" if waiting.progress else ""
    name = invocation.command.name
    summary = f"cargo {' '.join(invocation.command.subcommand)} still running after {waiting.seconds:.0f} s"
    hint = (
        f"it goes on in the background (stopped at its timeout, {invocation.timeout:.0f} s): call {name} "
        "again with the same arguments for its result (the call joins the run, or gets the result "
        f"if it has finished). Calls answer within {answer_by:.0f} s (--answer-deadline), under the "
        "client's tool timeout"
    )
    return invocation.result(
        summary + progress, int(waiting.seconds * 1000), None, running=True, hints=[hint]
    )


def forget_runs(workspace_root: Path) -> None:
    """Another command runs on this workspace (a build, a clean, a fix): finished checks of it are
    not reused after it (cargo's own state changed), though its files may be the same."""
    root = str(workspace_root)
    analyzer_checks.forget(root)
    RUNS.forget(lambda key: isinstance(key, tuple) and len(key) > 1 and key[1] == root)


# the compiler's errors for a file it could not read (include!, include_str!, a module's file)
UNREAD_FILE = ("couldn't read", "file not found for module")


def _reusable(result: CargoResult) -> bool:
    return not result.timed_out and result.exit_code is not None and not _reads_unrecorded(result)


def _reads_unrecorded(result: CargoResult) -> bool:
    """Whether the compiler may have stopped before recording what it read (dep-info), on a file the
    project's state only stamps through that record (in a folder it skips): an unread file, or an
    error in a file there (a syntax error stops it before the record). Making or fixing that file
    (`node_modules/gen.rs`, `src/target/mod.rs`) would go unseen, so such a run is not kept."""
    return any(
        d.level == "error"
        and (d.message.startswith(UNREAD_FILE) or not SKIP_DIRS.isdisjoint(Path(d.file or "").parts))
        for d in result.diagnostics
    )


def answer(shared: Shared[CargoResult], subcommand: str) -> CargoResult:
    """This caller's own copy of a shared result, its first hint saying how it was shared."""
    result = shared.result.model_copy(deep=True)
    note = shared.note(f"cargo {subcommand}")
    if note is not None:
        result.hints.insert(0, note)
    return result


MAX_REPEATS = 64  # calls remembered for their repeats, per service


@dataclass(frozen=True)
class KeptText:
    """A call's answer text kept for its repeats, in the two parts around where a reuse's note goes,
    as its first hint (render.text_around_hints): no marker inside the text, which a project's own
    output could contain too."""

    before: str
    after: str

    def with_note(self, note: str) -> str:
        return f"{self.before}\n\nhint: {note}{self.after}"

    def size(self) -> int:
        """Its length without a note."""
        return len(self.before) + len(self.after)


@dataclass(frozen=True)
class Repeat:
    """What a call's answer left for the same call asked again: where its project was found (the
    directories from it up to `/` and their Cargo.toml, and what its path resolved to), the shared
    check that answered it, and its text with room for the note of a reuse."""

    places: Stamps
    check: SharedCheck
    text: KeptText


class Repeats:
    """The calls answered by a shared check, remembered so that the same call asked again, with
    nothing changed, gets that check's result without resolving its project and its command line
    again: the places its project was found from are stamped again (no Cargo.toml made or removed
    above it, no link changed), its tree's state is taken again (tree_state), and the check is looked
    up in RUNS by its key and that state; anything else answers the usual way."""

    def __init__(self) -> None:
        self._calls: dict[Hashable, Repeat] = {}

    @staticmethod
    def call_key(
        name: str, values: Mapping[str, Any], working: Path | None, policy: ClientPolicy | None
    ) -> str:
        """A call as its repeat is recognised: the tool, its arguments, the connection's working
        directory, the client's policy and the environment that changes how cargo runs."""
        return repr((name, sorted(values.items()), str(working), repr(policy), relevant_env(os.environ)))

    def remember(
        self, call: Hashable, check: SharedCheck, asked: Path, text: KeptText, roots: AllowedRoots
    ) -> None:
        """Keep a call answered by `check` for its repeats: `asked` is the project directory it named
        (unresolved), `text` its answer's text with room for a reuse's note (blocking: stamps). Its
        manifest and workspace were looked for from there up to the allowed root holding it."""
        project = resolved(asked)  # the project may have made it a link loop while cargo ran
        root = roots.root_of(project) if project is not None else None
        if project is None or root is None or not project.is_relative_to(check.invocation.cwd):
            return  # its project was found below the directory it named (discovery): not kept
        if text.size() > CARGO_TEXT_BUDGET:
            return
        above = [project, *(d for d in project.parents if d.is_relative_to(root))]
        places = stamps_of([str(p) for d in above for p in (d, d / MANIFEST_NAME)], [asked])
        if places is None:
            return  # changed too recently to be sure a change now would show
        if len(self._calls) >= MAX_REPEATS:
            self._calls.clear()
        self._calls[call] = Repeat(places, check, text)

    async def answer(
        self, call: Hashable, answers_from_analyzer: bool, toolchains: Toolchains
    ) -> tuple[CargoResult, str] | None:
        """The answer to a repeat of `call` when nothing it depends on changed, else None."""
        repeat = self._calls.get(call)
        if repeat is None or (answers_from_analyzer and analyzer_checks.FINISHED):
            return None  # rust-analyzer's checks may answer it (run_shared)
        if repeat.check.invocation.toolchain:  # still installed, as a call checks before it runs
            await toolchains.check_installed(repeat.check.invocation.toolchain)
        state = await anyio.to_thread.run_sync(_state_if_placed, repeat)
        shared = RUNS.finished(repeat.check.key, state) if state is not None else None
        if shared is None or shared.result is not repeat.check.result:
            return None
        subcommand = " ".join(repeat.check.invocation.command.subcommand)
        result = answer(shared, subcommand)
        text = repeat.text.with_note(result.hints[0])
        return (result, text) if len(text) <= CARGO_TEXT_BUDGET else None  # else clipped: render it


def _state_if_placed(repeat: Repeat) -> str | None:
    """The tree's state, if the call's project is still found where it was."""
    return tree_state(*repeat.check.tree) if repeat.places.holds() else None
