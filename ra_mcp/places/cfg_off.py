"""Why rust-analyzer sees nothing at a place: the code there is inactive, or its file is in no crate.

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

The words for files of no crate are here too, one wording for the file report, the workspace report
and the name searches (tools/inactive_code.py adds the features a target requires).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from rust_mcp.core.budgets import RENDERED_LIMIT
from rust_mcp.core.clipping import clip_end

from ..lsp import requests
from ..lsp.answers import Requester
from ..lsp.errors import AnalyzerRequestFailed
from ..lsp.lazy_types import lsp

INACTIVE_CODE = "inactive-code"
UNLINKED_FILE = "unlinked-file"  # rust-analyzer's code for a file in no crate
IN_NO_CRATE = "in no crate as configured (a `mod` behind a cfg or feature that is off, or never declared)"
NO_CRATE = f"this file is {IN_NO_CRATE}, so rust-analyzer analyses nothing in it"
ASK_TIMEOUT = 10.0
TURN_ON = "where a feature gates a file, turn it on (cargo_check features=[...]) to check it"
NAMED = 3  # files of no crate named in a note; the rest counted


def unlinked_files(found: Mapping[str, Sequence[lsp.Diagnostic]]) -> list[str]:
    """The files (uris) among rust-analyzer's own findings `found` that it says are in no crate."""
    return [uri for uri, items in found.items() if any(d.code == UNLINKED_FILE for d in items)]


def no_crate_note(files: Sequence[Path], display: Callable[[Path], str] | None = None) -> str | None:
    """For files of no crate (a module behind a feature that is off: futures-util's compat/, bilock.rs),
    whose "0 errors, 0 warnings" came from a check that never compiled them: one file (`display`
    None: the file asked about) or how many, the first few named. None when there are none."""
    if not files:
        return None
    if display is None:
        return (
            f"this file is {IN_NO_CRATE}: neither cargo check nor rust-analyzer analysed it, so no findings "
            f"does not mean it compiles; {TURN_ON}"
        )
    named = ", ".join(display(path) for path in files[:NAMED])
    more = f" and {len(files) - NAMED} more" if len(files) > NAMED else ""
    return (
        f"{len(files)} file(s) {IN_NO_CRATE}, analysed by neither cargo check nor rust-analyzer and not "
        f"counted in files_checked: {named}{more}; {TURN_ON}"
    )


def holds(span: lsp.Range, position: lsp.Position) -> bool:
    start, end = span.start, span.end
    after_start = (position.line, position.character) >= (start.line, start.character)
    return after_start and (position.line, position.character) <= (end.line, end.character)


async def own_findings(client: Requester, path: Path) -> list[lsp.Diagnostic] | None:
    """rust-analyzer's own findings of the file (where its inactive code and no-crate marks are),
    None when it cannot tell in time."""
    try:
        return await requests.file_diagnostics(client, path, ASK_TIMEOUT)
    except (TimeoutError, AnalyzerRequestFailed):
        return None


async def cfg_reason(client: Requester, path: Path, position: lsp.Position) -> str | None:
    """rust-analyzer's message when `position` lies in code a `#[cfg]` switches off or in a file of no
    crate, else None (also when it cannot tell in time)."""
    found = await own_findings(client, path)
    return None if found is None else reason_at(found, position)


def reason_at(found: Sequence[lsp.Diagnostic], position: lsp.Position) -> str | None:
    """Among a file's own findings `found`: the message of the inactive code holding `position`, or
    NO_CRATE when the file is in no crate; else None."""
    for diagnostic in found:
        if diagnostic.code == INACTIVE_CODE and holds(diagnostic.range, position):
            return clip_end(diagnostic.message, RENDERED_LIMIT)
        if diagnostic.code == UNLINKED_FILE:
            return NO_CRATE
    return None
