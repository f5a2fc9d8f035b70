"""When a request to rust-analyzer is asked again rather than its answer taken: "content modified"
(its crate graph changed while it worked) and "server cancelled" (it put the request off), and an
empty answer to a question sent before rust-analyzer was quiescent, which may only mean it had not
loaded the files or the crate graph yet (after a restart on a warm target, or a reload)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from lsprotocol import types as lsp

from .errors import AnalyzerRequestFailed

CONTENT_MODIFIED = -32801
SERVER_CANCELLED = -32802
# answers that mean "ask again": the crate graph changed while rust-analyzer worked, or it put the
# request off (pull diagnostics before it is quiescent)
ASK_AGAIN = (CONTENT_MODIFIED, SERVER_CANCELLED)
# asked again until the request's own time runs out (a reload on a slow machine can cancel several
# tries in a row, and rust-analyzer's "quiescent" may not yet say it has begun), at most this often,
# with pauses that double from ASK_AGAIN_FIRST_PAUSE up to ASK_AGAIN_LONGEST_PAUSE seconds
ASK_AGAIN_TRIES = 12
ASK_AGAIN_FIRST_PAUSE = 0.1
ASK_AGAIN_LONGEST_PAUSE = 2.0
EARLY_REQUEST_SECONDS = 90.0  # the least a request waits before quiescence: it does the first analysis
# the least a request refused with "content modified" is given from then on: the crate graph changed
# (a reload: cargo metadata, build scripts, the first analysis again), which on a loaded machine took
# longer than a request's own 30 s, and the call then failed with "content modified" (CI, start ahead)
RELOAD_SECONDS = EARLY_REQUEST_SECONDS
# questions whose empty answer, given before rust-analyzer is quiescent, may only mean it has not
# loaded the files or the crate graph yet (after a restart on a warm target, or a reload): such an
# answer is asked again once it is quiescent, and the second answer stands
CHECKED_WHEN_EMPTY = frozenset(
    {
        lsp.TEXT_DOCUMENT_HOVER,
        lsp.TEXT_DOCUMENT_DEFINITION,
        lsp.TEXT_DOCUMENT_TYPE_DEFINITION,
        lsp.TEXT_DOCUMENT_IMPLEMENTATION,
        lsp.TEXT_DOCUMENT_REFERENCES,
        lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL,
        lsp.WORKSPACE_SYMBOL,
        lsp.TEXT_DOCUMENT_PREPARE_CALL_HIERARCHY,
        lsp.CALL_HIERARCHY_INCOMING_CALLS,
        lsp.CALL_HIERARCHY_OUTGOING_CALLS,
    }
)


def is_empty(answer: Any) -> bool:
    """Whether an answer says there is nothing: null, or an empty list."""
    return answer is None or (isinstance(answer, list) and not answer)


async def ask_again(
    failed: AnalyzerRequestFailed,
    ask: Callable[[float], Awaitable[Any]],
    until_quiet: Callable[[float], Awaitable[None]],
    deadline: float,
    *,
    reload_time: bool = True,
) -> Any:
    """After a first try of a request failed with `failed` (the client makes that try itself, so an
    answered request never comes here): `ask(seconds)` again while it fails with an ASK_AGAIN error,
    until `deadline` (anyio's clock) and at most ASK_AGAIN_TRIES tries in all. Before each new try it
    waits for `until_quiet(seconds)` (rust-analyzer quiescent: what cancelled the request is over) and
    then a pause that doubles. The last error is raised when the time or the tries run out, and any
    other error at once. A reload ("content modified") gives the request at least RELOAD_SECONDS more,
    unless not `reload_time` (the caller's bound is its own)."""
    if failed.code == CONTENT_MODIFIED and reload_time:
        deadline = max(deadline, anyio.current_time() + RELOAD_SECONDS)
    pause = ASK_AGAIN_FIRST_PAUSE
    for _ in range(2, ASK_AGAIN_TRIES + 1):
        left = deadline - anyio.current_time()
        if failed.code not in ASK_AGAIN or left <= pause:
            raise failed
        await until_quiet(left - pause)
        await anyio.sleep(min(pause, max(0.0, deadline - anyio.current_time())))
        pause = min(pause * 2, ASK_AGAIN_LONGEST_PAUSE)
        try:
            return await ask(max(deadline - anyio.current_time(), 1.0))
        except AnalyzerRequestFailed as again:
            failed = again
    raise failed
