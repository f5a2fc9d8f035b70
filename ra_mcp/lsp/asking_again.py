"""When a request to rust-analyzer is asked again rather than its answer taken: "content modified"
(its crate graph changed while it worked) and "server cancelled" (it put the request off), and an
empty answer to a question sent before rust-analyzer was quiescent, which may only mean it had not
loaded the files or the crate graph yet (after a restart on a warm target, or a reload)."""

from __future__ import annotations

from typing import Any

from lsprotocol import types as lsp

CONTENT_MODIFIED = -32801
SERVER_CANCELLED = -32802
# answers that mean "ask again": the crate graph changed while rust-analyzer worked, or it put the
# request off (pull diagnostics before it is quiescent)
ASK_AGAIN = (CONTENT_MODIFIED, SERVER_CANCELLED)
ASK_AGAIN_RETRIES = 3
EARLY_REQUEST_SECONDS = 90.0  # the least a request waits before quiescence: it does the first analysis
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
