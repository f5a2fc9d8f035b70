"""Why a name rust-analyzer's symbol search does not find is still in the workspace: the source says
where it is defined, rust-analyzer why it does not see it there.

A field test on futures 0.3.34 asked for `Compat01As03`, defined in futures-util's src/compat/ (a
module behind the `compat` feature, off): the answer was "no symbols match" and a hint to search the
dependencies (with_dependencies=true), where it is not either. The source is the truth: when a name
is defined (`fn`, `struct`, `mod`, ... in code, not comments or strings) in a workspace file, the
answer names that place and rust-analyzer's reason (a file of no crate, or a `#[cfg]` that is off).

The search is bounded as the rename's leftovers search is (tools/unrenamed.py): a file over
SEARCHED_FILE_BYTES is not read, and the search stops after SEARCH_SECONDS or SEARCHED_BYTES.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

from rust_mcp.core.errors import Refusal
from rust_mcp.core.lexing import code_mask
from rust_mcp.core.project_files import off_loop
from rust_mcp.core.roots import ReadScope
from rust_mcp.core.safe_io import FileTooLarge

from ..lsp.lazy_types import lsp
from ..workspace.workspaces import Workspace, scan_sources
from .cfg_off import NAMED, cfg_reason

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
ITEM_WORDS = r"fn|struct|enum|union|trait|type|mod|const|static|macro_rules!"
SEARCHED_FILE_BYTES = 1024 * 1024
SEARCHED_BYTES = 64 * 1024 * 1024
SEARCH_SECONDS = 5.0

Definition = tuple[Path, lsp.Position]


def defined_in_source(scope: ReadScope, root: Path, name: str) -> list[Definition]:
    """Where the workspace's .rs files under `root` define `name` in code (at most NAMED places),
    within the search's bounds; blocking (run it off the event loop)."""
    if not IDENTIFIER.fullmatch(name):
        return []
    item = re.compile(rf"(?<![A-Za-z0-9_])(?:{ITEM_WORDS})\s+(?:r#)?({re.escape(name)})(?![A-Za-z0-9_])")
    found: list[Definition] = []
    read, stop = 0, time.monotonic() + SEARCH_SECONDS
    for path in sorted(scan_sources(root)):
        if read > SEARCHED_BYTES or time.monotonic() > stop:
            break
        if path.suffix != ".rs":
            continue
        try:
            data = scope.read(path, SEARCHED_FILE_BYTES)
        except (FileTooLarge, Refusal):
            continue
        read += len(data)
        if name.encode() not in data:
            continue
        for number, line in enumerate(code_mask(data.decode("utf-8", errors="replace")).split("\n")):
            if (match := item.search(line)) is not None:
                found.append((path, lsp.Position(line=number, character=match.start(1))))
                if len(found) == NAMED:
                    return found
    return found


async def unseen_note(workspace: Workspace, display: Callable[[Path], str], name: str) -> str | None:
    """For a name rust-analyzer's search did not find: where the source defines it (paths written by
    `display`, as answers show them) and why rust-analyzer does not see it there; None when the source
    does not define it either."""
    places = await off_loop(
        defined_in_source, workspace.scope, workspace.root, name, what="searching the sources"
    )
    if not places:
        return None
    written = ", ".join(f"{display(path)}:{at.line + 1}" for path, at in places)
    for path, at in places:
        reason = await cfg_reason(workspace.client, path, at)
        if reason is not None:
            # of several places, the one the reason is about (it says "this file")
            which = f"at {display(path)}:{at.line + 1}, " if len(places) > 1 else ""
            return (
                f"`{name}` is defined in the source ({written}), but rust-analyzer does not see it there: "
                f"{which}{reason}. Searching dependencies will not find it"
            )
    return f"`{name}` is defined in the source ({written}), but rust-analyzer's index does not list it"
