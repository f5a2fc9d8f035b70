"""What a rename leaves behind: the renamed name still written in the workspace's code after the edit.

rust-analyzer renames what it resolves. It resolves inside `#[cfg]`-disabled items of a file it has
loaded, but not in files that are in no crate (a `mod` line behind an inactive cfg: tokio's
`#[cfg(loom)]` test modules), in a test whose crate-level `#![cfg(...)]` is off (tokio's io_uring
tests, `tokio_unstable`), or in tokens a proc macro emits (tokio-macros' `quote!`, which every
`#[tokio::main]` expands to). A field test on tokio found `Builder::new_multi_thread` renamed at its
58 uses while 60 more code lines in 28 files kept the old name; written, that rename breaks those
builds, and the preview said nothing. So a rename answer counts the word-bounded occurrences of the
old name left in code (comments and strings not counted) of the workspace's .rs files, as they would be
after the edit, and names the first few. It cannot tell an unrelated item of the same name from a
missed use; it says so.
"""

from __future__ import annotations

import re
from pathlib import Path

from rust_mcp.core.counts import plural
from rust_mcp.core.errors import Refusal
from rust_mcp.core.lexing import code_mask

from ..places.workspace_edits import EditPlan
from ..service import AnalyzerService
from ..workspace.workspaces import scan_sources

NAME = re.compile(r"(?:r#)?([A-Za-z_][A-Za-z0-9_]*)")
NAMED_PLACES = 5


def name_at(line: str, character: int) -> str | None:
    """The identifier written across `character` of `line` (without `r#`), if any."""
    for match in NAME.finditer(line):
        if match.start() <= character <= match.end():
            return match.group(1)
    return None


def left_places(service: AnalyzerService, root: Path, name: str, plan: EditPlan) -> tuple[list[str], int]:
    """`path:line` of each code line under `root` still naming `name` once `plan` is written (the first
    NAMED_PLACES), and how many such lines there are."""
    word = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])")
    places: list[str] = []
    count = 0
    for path in sorted(scan_sources(root)):
        if path.suffix != ".rs":
            continue
        planned = plan.files.get(path)
        if planned is not None:
            text = planned.after or ""
        else:
            try:
                data = service.scope.read(path)
            except Refusal:
                continue
            if name.encode() not in data:
                continue
            text = data.decode("utf-8", errors="replace")
        for number, line in enumerate(code_mask(text).split("\n"), start=1):
            if word.search(line):
                count += 1
                if len(places) < NAMED_PLACES:
                    places.append(f"{service.display(path, root)}:{number}")
    return places, count


def left_note(name: str, places: list[str], count: int) -> str | None:
    if not count:
        return None
    more = f" and {count - len(places)} more" if count > len(places) else ""
    return (
        f"{plural(count, 'other code line')} still name{'s' if count == 1 else ''} `{name}` after this "
        f"rename: {', '.join(places)}{more}. rust-analyzer does not change files in no crate or behind "
        "a crate-level #![cfg] that is off, nor tokens a proc macro emits (or these are other items of "
        "that name)"
    )
