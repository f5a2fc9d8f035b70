"""Why rust-analyzer found nothing at a position: the code there is inactive.

A file behind `#![cfg(feature = "compat")]` (futures' tests/auto_traits.rs) is not analysed while the
feature is off, so hover and go-to answered "no symbol there" at `Shared`, which is false and sends an
agent looking elsewhere. When a position answers nothing, rust-analyzer's own `inactive-code`
diagnostic covering it is the reason given (e.g. `code is inactive due to #[cfg] directives: feature
= "compat" is disabled`).

A file whose `mod` line is itself switched off (tokio's `net/windows/named_pipe.rs`, declared under
`#[cfg(windows)]`) is in no crate at all: rust-analyzer's `unlinked-file` finding, which covers only
the file's first character, is then the reason for every position in it.

The message quotes the cfg, whose names are the project's and have no length limit: it is clipped to
one diagnostic's rendered limit (a red team's 20,000-character feature name made a hover 20 KiB).
"""

from __future__ import annotations

from pathlib import Path

from rust_mcp.core.budgets import RENDERED_LIMIT
from rust_mcp.core.clipping import clip_end

from ..lsp import requests
from ..lsp.answers import Requester
from ..lsp.errors import AnalyzerRequestFailed
from ..lsp.lazy_types import lsp
from .required_features import off_loop_note, skipped_target

INACTIVE_CODE = "inactive-code"
UNLINKED_FILE = "unlinked-file"
NO_CRATE = (
    "this file is not included in any crate rust-analyzer loaded (the `mod` line that would include it "
    "is switched off by a #[cfg], or there is none), so nothing in it is analysed"
)
ASK_TIMEOUT = 10.0


def holds(span: lsp.Range, position: lsp.Position) -> bool:
    start, end = span.start, span.end
    after_start = (position.line, position.character) >= (start.line, start.character)
    return after_start and (position.line, position.character) <= (end.line, end.character)


async def inactive_reason(
    client: Requester, path: Path, position: lsp.Position, root: Path | None = None
) -> str | None:
    """rust-analyzer's message when `position` lies in code a `#[cfg]` switches off or in a file of no
    crate; else, with the workspace `root`, the features the file's target requires and are off
    (required_features.py); else None (also when it cannot tell in time)."""
    try:
        found = await requests.file_diagnostics(client, path, ASK_TIMEOUT)
    except (TimeoutError, AnalyzerRequestFailed):
        return None
    for diagnostic in found:
        if diagnostic.code == INACTIVE_CODE and holds(diagnostic.range, position):
            return clip_end(diagnostic.message, RENDERED_LIMIT)
        if diagnostic.code == UNLINKED_FILE:
            return NO_CRATE
    if root is None:
        return None
    return await off_loop_note(skipped_target, path, root)
