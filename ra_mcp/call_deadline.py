"""One answer deadline per call, computed once when the call starts (the server's --answer-deadline,
kept under the client's own tool timeout: Codex's is 60 s unless tool_timeout_sec says more), which
every wait inside the call shares.

A call can chain several waits, each bounded on its own: another call's start of rust-analyzer or a
restart after a crash, the re-sync of changed files (the door's reads) and the reload a changed
manifest causes (up to 20 s), readiness (up to --ready-timeout), the request (at least 90 s before
rust-analyzer is quiescent), asking it again after "content modified" (90 s more) or after an early
empty answer. Each within its bound, together they ran past the deadline, and the client cut the
call with no answer at all. So: a wait that answers in its own words (readiness: "still indexing")
takes only what is `left`; every other wait says what it waits for (`waiting`), and at the deadline
less CUT_MARGIN the call is cut wherever it waits and answers `StillWorking`, naming that wait and
what rust-analyzer is doing. Calling again finds the work done so far (rust-analyzer keeps it; the
re-sync's cancellation keeps what it had not told). A wait the caller asked for (`wait=true`) or a
user's confirmation `lift`s the cut; wait=true also bounds readiness by the call's check_timeout_secs
(when longer than --ready-timeout), and a "still indexing" answer says so. A cancelled call (the
client's notifications/cancelled) is cancelled through the same scopes: every wait here is anyio's,
cancelled at once.

The MCP face sets the deadline and makes the cut (tools/mcp_adapter.answer_by); the domain learns
of it through a context variable (tasks a call starts copy it), so the layers between pass nothing
on. Only slow waits run this module's code: a warm call's path (pool.run) names its answer's wait
by setting the deadline's fields (docs/benchmarks.md, "The path of one warm call")."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import anyio

CUT_MARGIN = 1.0  # seconds before the deadline at which a call still waiting is cut and answered
SOFT_MARGIN = 1.5  # seconds more, before the cut, by which a wait answering in its own words ends
FIRST_WAIT = "the call's files and workspace to be resolved"


class StillWorking(RuntimeError):
    """The call's deadline came while it waited; the message says for what, and to call again."""


@dataclass
class CallDeadline:
    """One call's deadline: `seconds` after `started` (time.monotonic()), the call cut at `cut_at`
    (CUT_MARGIN before, or half-way to a deadline that short: tools/mcp_adapter.answer_by sets it).
    Plain fields, set where the call's path is (the pool names its answer's wait), so a warm call
    runs none of this module's code."""

    seconds: float
    started: float
    cut_at: float
    waiting_for: str = FIRST_WAIT
    doing: Callable[[], str | None] | None = None  # what rust-analyzer is doing (once there is one)
    lifted: bool = False
    scope: anyio.CancelScope | None = None
    # wait=true: never cut, and readiness waits up to this (its check_timeout_secs, or --ready-timeout
    # when longer) rather than --ready-timeout alone
    asked_wait: float | None = None

    def left(self, now: float | None = None) -> float:
        """Seconds a wait answering in its own words may still take (never below 0)."""
        now = time.monotonic() if now is None else now
        return max(0.0, self.cut_at - SOFT_MARGIN - now)

    def lift(self) -> None:
        """No cut for the rest of this call (the caller asked to wait, or a user is asked)."""
        self.lifted = True
        if self.scope is not None:
            self.scope.deadline = math.inf

    def still_working(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        doing = self.doing() if self.doing is not None else None
        now_doing = f"; rust-analyzer: {doing}" if doing else ""
        return (
            f"still working after {now - self.started:.0f} s, at the answer deadline "
            f"({self.seconds:g} s): waiting for {self.waiting_for}{now_doing}. Nothing is answered "
            "yet: call again with the same arguments (rust-analyzer keeps what it has done), or call "
            "rust_analyzer_status to watch it"
        )


CURRENT: ContextVar[CallDeadline | None] = ContextVar("ra_mcp_call_deadline", default=None)


def bounded(seconds: float) -> float:
    """`seconds`, or what is left of the calling call's deadline when less (for a wait that answers
    in its own words before the cut)."""
    deadline = CURRENT.get()
    if deadline is None or deadline.lifted:
        return seconds
    return min(seconds, deadline.left())


@contextmanager
def asked_to_wait(seconds: float | None) -> Iterator[None]:
    """A call that passed wait=true (`seconds`: its check_timeout_secs; None: it did not) is never cut,
    and its readiness waits up to `seconds` (or --ready-timeout when longer): its deadline, lifted."""
    if seconds is None:
        yield
        return
    token = CURRENT.set(CallDeadline(0.0, time.monotonic(), math.inf, lifted=True, asked_wait=seconds))
    try:
        yield
    finally:
        CURRENT.reset(token)


def ready_bound(ready_seconds: float) -> float:
    """How long the calling call waits for readiness: `ready_seconds` (--ready-timeout) within what is
    left of its deadline; with wait=true, the longer of it and the call's check_timeout_secs."""
    deadline = CURRENT.get()
    if deadline is not None and deadline.asked_wait is not None:
        return max(ready_seconds, deadline.asked_wait)
    return bounded(ready_seconds)


def asked_wait_note(bound: float) -> str:
    """What a "still indexing" answer says of its bound when the call passed wait=true ('' if not)."""
    deadline = CURRENT.get()
    if deadline is None or deadline.asked_wait is None:
        return ""
    return (
        f"; wait=true waited {bound:.0f} s for it (check_timeout_secs, or --ready-timeout when longer: "
        "pass a larger check_timeout_secs to wait longer)"
    )


def seconds_left() -> float | None:
    """What is left of the calling call's deadline for a wait answering in its own words (a shared run
    left going at it, answered "still running"); None when the call is not cut."""
    deadline = CURRENT.get()
    return None if deadline is None or deadline.lifted else deadline.left()


@contextmanager
def waiting(what: str) -> Iterator[None]:
    """What the calling call waits for inside this block (named by its answer if the cut comes in it)."""
    deadline = CURRENT.get()
    if deadline is None:
        yield
        return
    before, deadline.waiting_for = deadline.waiting_for, what
    yield  # left as it is when the block raises: the cut (a cancellation) names the innermost wait
    deadline.waiting_for = before


def lift() -> None:
    """No cut for the rest of the calling call."""
    deadline = CURRENT.get()
    if deadline is not None:
        deadline.lift()
