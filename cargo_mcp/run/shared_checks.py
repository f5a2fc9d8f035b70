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
from collections.abc import Awaitable, Callable, Hashable
from pathlib import Path

import anyio

from cargo_mcp.results.models import CargoResult
from cargo_mcp.run.invocation import Invocation
from cargo_mcp.run.settings import CargoSettings
from rust_mcp.core import analyzer_checks
from rust_mcp.core.budgets import ProgressCallback
from rust_mcp.core.client_policy import ClientPolicy
from rust_mcp.core.shared_runs import Shared, SharedRuns, StillRunning, relevant_env
from rust_mcp.core.tree_state import settle, tree_state

WRITING_FLAGS = frozenset({"--fix", "--allow-dirty", "--allow-staged"})
RUNS: SharedRuns[CargoResult] = SharedRuns()
LEFT_RUNS: SharedRuns[CargoResult] = SharedRuns(hand_once=True)


def shareable(invocation: Invocation) -> bool:
    """Whether a run may be shared: a check or lint that writes no project file."""
    return invocation.command.shared and may_leave_running(invocation)


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


def _reusable(result: CargoResult) -> bool:
    return not result.timed_out and result.exit_code is not None


def answer(shared: Shared[CargoResult], subcommand: str) -> CargoResult:
    """This caller's own copy of a shared result, its first hint saying how it was shared."""
    result = shared.result.model_copy(deep=True)
    note = shared.note(f"cargo {subcommand}")
    if note is not None:
        result.hints.insert(0, note)
    return result
