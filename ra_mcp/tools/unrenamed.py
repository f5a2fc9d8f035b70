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
missed use; it says so. It does say how many are inside `macro_rules!` bodies, which rust-analyzer
never renames: on rayon-core 1.12.1 (field test 12) all 7 lines `ThreadPool::install` left were
`pool.install(..)` in test macros, and the note only offered causes that did not apply.

The search is bounded (a red team put one 16 MiB .rs file naming the old name in the tree: masking it
took ~45 s, past the door's 30 s, so every rename was refused while the abandoned thread held one of
the door's 8 threads shared by all sessions): a file over SEARCHED_FILE_BYTES is not searched, and the
search stops after SEARCH_SECONDS or SEARCHED_BYTES read; the note says how many files were not.
"""

from __future__ import annotations

import bisect
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from rust_mcp.core.counts import plural
from rust_mcp.core.errors import Refusal
from rust_mcp.core.lexing import code_mask
from rust_mcp.core.safe_io import FileTooLarge

from ..places.workspace_edits import EditPlan
from ..service import AnalyzerService
from ..workspace.workspaces import scan_sources

NAME = re.compile(r"(?:r#)?([A-Za-z_][A-Za-z0-9_]*)")
MACRO_RULES = re.compile(r"(?<![A-Za-z0-9_])macro_rules!\s*(?:r#)?[A-Za-z_][A-Za-z0-9_]*\s*[(\[{]")
CLOSING = {"(": ")", "[": "]", "{": "}"}
NAMED_PLACES = 5
SEARCHED_FILE_BYTES = 1024 * 1024  # a larger file is not searched (masking 1 MiB takes ~3 s)
SEARCHED_BYTES = 64 * 1024 * 1024  # read in all; past it the rest is not searched
SEARCH_SECONDS = 10.0  # past it the rest is not searched (well within the door's deadline)


@dataclass
class Leftovers:
    places: list[str] = field(default_factory=list)  # `path:line`, the first NAMED_PLACES
    count: int = 0  # code lines still naming the old name
    unsearched: int = 0  # .rs files not searched (too large, or past the budgets)
    in_macros: int = 0  # of `count`, the lines inside `macro_rules!` bodies


def name_at(line: str, character: int) -> str | None:
    """The identifier written across `character` of `line` (without `r#`), if any."""
    for match in NAME.finditer(line):
        if match.start() <= character <= match.end():
            return match.group(1)
    return None


def left_places(service: AnalyzerService, root: Path, name: str, plan: EditPlan) -> Leftovers:
    """The code lines under `root` still naming `name` once `plan` is written, within the budgets."""
    word = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])")
    found = Leftovers()
    read, stop = 0, time.monotonic() + SEARCH_SECONDS
    for path in sorted(scan_sources(root)):
        if path.suffix != ".rs":
            continue
        if read > SEARCHED_BYTES or time.monotonic() > stop:
            found.unsearched += 1
            continue
        planned = plan.files.get(path)
        if planned is not None:
            text = planned.after or ""
            if len(text) > SEARCHED_FILE_BYTES:
                found.unsearched += 1
                continue
        else:
            try:
                data = service.scope.read(path, SEARCHED_FILE_BYTES)
            except FileTooLarge:
                found.unsearched += 1
                continue
            except Refusal:
                continue
            read += len(data)
            if name.encode() not in data:
                continue
            text = data.decode("utf-8", errors="replace")
        mask = code_mask(text)
        bodies = macro_body_lines(mask)
        for number, line in enumerate(mask.split("\n"), start=1):
            if word.search(line):
                found.count += 1
                found.in_macros += number in bodies
                if len(found.places) < NAMED_PLACES:
                    found.places.append(f"{service.display(path, root)}:{number}")
    return found


def macro_body_lines(mask: str) -> set[int]:
    """The 1-based lines inside the bodies of the `macro_rules!` definitions of a code mask (comments
    and strings blanked, so its brackets are the code's)."""
    lines: set[int] = set()
    starts: list[int] | None = None
    for match in MACRO_RULES.finditer(mask):
        opening = match.end() - 1
        depth, end = 0, len(mask) - 1
        for index in range(opening, len(mask)):
            char = mask[index]
            if char in CLOSING:
                depth += 1
            elif char in ")]}":
                depth -= 1
                if depth == 0:
                    end = index
                    break
        if starts is None:
            starts = [index for index, char in enumerate(mask) if char == "\n"]
        first, last = bisect.bisect_left(starts, opening) + 1, bisect.bisect_left(starts, end) + 1
        lines.update(range(first, last + 1))
    return lines


def left_note(name: str, found: Leftovers) -> str | None:
    places, count = found.places, found.count
    skipped = (
        f"{plural(found.unsearched, '.rs file')} (over {SEARCHED_FILE_BYTES // 1024} KiB, or past the "
        f"search's {SEARCH_SECONDS:g} s / {SEARCHED_BYTES // (1024 * 1024)} MiB) not searched for `{name}`"
    )
    if not count:
        return f"{skipped}; they may still name it" if found.unsearched else None
    more = f" and {count - len(places)} more" if count > len(places) else ""
    unsearched = f"; {skipped}" if found.unsearched else ""
    macros = (
        f" ({'all' if found.in_macros == count else found.in_macros} in macro_rules! bodies, which "
        "rust-analyzer does not rename)"
        if found.in_macros
        else ""
    )
    return (
        f"{plural(count, 'other code line')} still name{'s' if count == 1 else ''} `{name}` after this "
        f"rename: {', '.join(places)}{more}{macros}. rust-analyzer does not change files in no crate or "
        "behind a crate-level #![cfg] that is off, nor tokens a proc macro emits or a macro_rules! body "
        f"holds (or these are other items of that name){unsearched}"
    )
