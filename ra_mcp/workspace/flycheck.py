"""rust-analyzer's cargo check (its flycheck), as the diagnostics tools use it: started for the files
as they are now, waited for to its real end, and never allowed to outlast the client.

A check on a large workspace can take longer than the client waits for a tool (Codex gives up after
its `tool_timeout_sec`, losing the answer). So a call waits for the check only until its deadline,
then answers with what the check found so far and says it is still running; the check goes on in
rust-analyzer, and the next call joins it instead of starting it over. A check that finished for
exactly the files as they are (nothing changed on disk since) is not run again."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import anyio

from rust_mcp.core.budgets import ProgressCallback
from rust_mcp.core.project_files import DoorTimeout, off_loop

from ..lsp import requests
from ..lsp.errors import AnalyzerRequestFailed
from .workspaces import Workspace

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\S+\s+[A-Z]+\s")
LOG_ERROR = re.compile(r"^\d{4}-\d\d-\d\dT\S+\s+ERROR\s")
CHECK_START_SECONDS = 10.0
CHECK_ASKS = 3  # runFlycheck requests sent before a check that never began is called not started
SETTLE_SECONDS = 0.4  # quiet after a check: its restart debounce is 50 ms, publishes come every ~15 ms
RESTART_SECONDS = 10.0  # waited, past the quiet, for the restart of a check that was cancelled
PROGRESS_SECONDS = 0.5


@dataclass(frozen=True)
class CheckRun:
    """How a call's cargo check went: `finished` for the files as they are; else `why` it could not
    run or failed (cargo's reason), or `running` on past the call's deadline."""

    finished: bool
    why: str | None = None
    running: bool = False


def covers(done: tuple[int, str | None] | None, wanted: tuple[int, str | None]) -> bool:
    """Whether a check for `done` (a generation, and the file it was asked for or None for the
    whole workspace) answers for `wanted`: the same files on disk, and the whole workspace or the
    same file (rust-analyzer may check only the file's package when asked for a file)."""
    return done is not None and done[0] == wanted[0] and done[1] in (None, wanted[1])


async def check_current_state(
    workspace: Workspace, uri: str | None, bound: float, report: ProgressCallback | None
) -> CheckRun:
    """A finished check for the files as they are now: the one that already finished for them (once
    quiet for SETTLE_SECONDS and all rust-analyzer sent received), the one running for them (joined,
    not restarted), or a new one; waited for at most `bound` seconds."""
    state = workspace.client.state
    running = state.flycheck_begun > state.flycheck_ended
    wanted = (workspace.generation, uri)
    join = running and covers(workspace.check_started, wanted)
    finished_before = covers(workspace.check_finished, wanted) and not running
    if finished_before:
        # taken as it is once quiet and all rust-analyzer sent is in (run_flycheck): it may have
        # ended a moment ago, its last files still on their way, or rust-analyzer's own restart of
        # it (which clears and publishes again) may begin
        join = True
    if not join:
        workspace.check_started = wanted
    started = workspace.check_started
    state.flycheck_waiting += 1  # while a call waits, the check is not cancelled for running long
    try:
        outcome = await run_flycheck(workspace, uri, bound, report, start=not join)
    finally:
        state.flycheck_waiting -= 1
    if outcome.finished and workspace.generation == wanted[0] and not finished_before:
        workspace.check_finished = started
    return outcome


async def run_flycheck(
    workspace: Workspace,
    uri: str | None,
    timeout: float,
    report: ProgressCallback | None,
    *,
    start: bool = True,
) -> CheckRun:
    """Start rust-analyzer's cargo check (or, with start=False, take the one running) and wait until
    it has ended, no other has begun and no diagnostics have been published for SETTLE_SECONDS, and
    then until everything rust-analyzer sent before that has been received (`received_all`).
    rust-analyzer restarts its check on its own (when it becomes quiescent, when cache priming ends,
    on another client's request): the restart cancels the running check, which ends like a finished
    one, and begins the new one some 50 ms later. And it publishes what a check found file by file,
    each time with all of the file's diagnostics so far, still doing so a second after the check's end
    on ripgrep (460 warnings). Reading at the end, or counting begins and ends alone, returned some of
    the errors. A check that could not start or failed (a `rust-version` newer than the toolchain, a
    broken Cargo.toml) ends like a good one; rust-analyzer says so only in its status, so the status
    decides, and cargo's reason is returned. A request that begins no check in CHECK_START_SECONDS
    is sent again (rust-analyzer drops one whose work a concurrent change cancelled), up to
    CHECK_ASKS times. Under load the restart of a cancelled check can begin seconds after the cancel's
    end (rust-analyzer's flycheck thread waiting for a CPU while its main loop answers): a quiet
    check that did not run to its end (the tee's copy says, `ran_to_end`) is followed by a wait of
    up to RESTART_SECONDS for another check to begin; none begun, the answer is as before. After
    `timeout` seconds the check is left running."""
    state = workspace.client.state
    if state.health == "error":  # the workspace did not load (a broken Cargo.toml): nothing to check
        return CheckRun(False, load_failure(workspace))
    begun_before = state.flycheck_begun - (0 if start else 1)
    params = {"textDocument": {"uri": uri} if uri else None}
    if start:
        workspace.client.notify("rust-analyzer/runFlycheck", params)
    started = asked = time.monotonic()
    sent = 0.0
    asks = 1
    cut_short: tuple[int, float] | None = None  # flycheck_begun and when, once a check was found cancelled
    while True:
        now = time.monotonic()
        began = state.flycheck_begun > begun_before
        idle = began and state.flycheck_ended >= state.flycheck_begun
        quiet = now - max(state.flycheck_moved, state.published)
        elapsed = now - started
        restart_left = restart_wait(cut_short, state.flycheck_begun, now)
        if idle and quiet >= SETTLE_SECONDS and not restart_left:
            seen = (state.flycheck_begun, state.published)
            if not await received_all(workspace, max(1.0, timeout - elapsed)):
                return CheckRun(False, running=True)
            if (state.flycheck_begun, state.published) != seen:
                continue  # its last publishes came in meanwhile (or another check began): quiet again
            if (cut_short is not None and cut_short[0] == seen[0]) or await ran_to_end(workspace):
                if (state.flycheck_begun, state.published) == seen:
                    break
                continue  # a restart began while the copy was read: a file may be half published
            cut_short = (seen[0], time.monotonic())  # cancelled: its restart may begin late
            continue
        if not began and time.monotonic() - asked > CHECK_START_SECONDS:
            failure = check_failure(state.status_message)
            if failure or state.health == "error":
                why = failure or f"rust-analyzer could not load the workspace: {state.status_message}"
                return CheckRun(False, why)
            if asks >= CHECK_ASKS:
                return CheckRun(False, "rust-analyzer did not start cargo check (is checkOnSave disabled?)")
            # rust-analyzer drops a request whose work it cancels (a file synced or build data
            # applied meanwhile, as parallel calls do): ask again before calling it not started
            workspace.client.notify("rust-analyzer/runFlycheck", params)
            asked, asks = time.monotonic(), asks + 1
        if elapsed > timeout:
            return CheckRun(False, running=True)
        state.changed.clear()
        if idle and quiet >= SETTLE_SECONDS:  # waiting for a cancelled check's restart to begin
            delay = min(restart_left, timeout - elapsed + 0.01)
        else:
            delay = SETTLE_SECONDS - quiet if idle else PROGRESS_SECONDS
        with anyio.move_on_after(delay):
            await state.changed.wait()
        if report is not None and not idle:
            sent += 1
            await report(sent, None, f"cargo check: {state.busy_summary()}")
    failure = check_failure(state.status_message)
    return CheckRun(False, failure) if failure else CheckRun(True)


def restart_wait(cut_short: tuple[int, float] | None, begun: int, now: float) -> float:
    """Seconds left to wait for the restart of the check found cancelled (`cut_short`: the count of
    begun checks then, and when), 0 once another check began or RESTART_SECONDS passed."""
    if cut_short is None or begun != cut_short[0]:
        return 0.0
    return max(0.0, cut_short[1] + RESTART_SECONDS - now)


async def ran_to_end(workspace: Workspace) -> bool:
    """Whether the last check that ended ran to its end (not cancelled), as the tee's copy says;
    True when unknown (no copies kept for this rust-analyzer, or the copy unreadable in time)."""
    hook = workspace.client.state.ran_to_end
    if hook is None:
        return True
    try:
        return await off_loop(hook, deadline=5.0, what="reading rust-analyzer's check copy")
    except DoorTimeout:
        return True


async def received_all(workspace: Workspace, timeout: float) -> bool:
    """Whether every message rust-analyzer sent before now has been received and handled, by a
    request's answer, which it sends after them (one ordered stream, handled in order). Needed at a
    check's end: rust-analyzer sends the `end` at once, but the diagnostics that its main loop's
    same turn added (the check's last lines, often a file's last findings) only at that turn's end,
    so under load they arrived after any quiet period: an answer without a file's warning. False
    when no answer came within `timeout` seconds."""
    try:
        with anyio.fail_after(timeout):
            await requests.analyzer_status(workspace.client, timeout)
    except AnalyzerRequestFailed:
        return True  # an error is an answer too, and comes in the same order
    except TimeoutError:
        return False
    return True


def load_failure(workspace: Workspace) -> str:
    """Why rust-analyzer could not load the workspace: its status, and cargo's own error from the
    last ERROR in rust-analyzer's log (e.g. "error: unclosed table, expected `]` --> Cargo.toml:5")."""
    reason = f"rust-analyzer could not load the workspace ({workspace.client.state.status_message})"
    lines = list(workspace.client.stderr)
    starts = [i for i, line in enumerate(lines) if LOG_ERROR.match(line)]
    if not starts:
        return reason
    entry = [lines[starts[-1]]]
    for line in lines[starts[-1] + 1 :]:
        if LOG_LINE.match(line):
            break
        entry.append(line)
    text = "\n".join(entry)
    cargo = (text.partition("stderr:")[2] or text.partition("exited with an error:")[2] or text).strip()
    return f"{reason}: {cargo[:2000]}"


def check_failure(status_message: str | None) -> str | None:
    """The part of rust-analyzer's status that says cargo check failed ("cargo check failed to
    start: ... error: rustc 1.95.0 is not supported ..."), or None."""
    text = status_message or ""
    start = text.find("cargo check failed")
    return text[start:].strip() if start >= 0 else None
