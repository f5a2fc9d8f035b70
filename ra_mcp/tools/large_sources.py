"""The source files a workspace diagnostics pass does not ask rust-analyzer about: those over
budgets.MAX_PULLED_BYTES. They are generated tables: the large corpus's one, unicode-width's 1.3 MiB
src/gen/tables_test.rs, kept a rust-analyzer worker busy for over 20 minutes, and the pass waited on
it (the largest hand-written file there, zerocopy's lib.rs, is 308 KiB and takes seconds). cargo
check's findings still cover such a file, and the note names it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from rust_mcp.core import budgets
from rust_mcp.core.file_stamps import FileStamp

NAMED = 3  # files named in the note; the rest counted


def split_large(files: list[Path], stamps: Mapping[Path, FileStamp]) -> tuple[list[Path], list[Path]]:
    """`files` as (asked about, left out as too large), by the sizes in their `stamps`."""
    large = [path for path in files if stamps[path].size > budgets.MAX_PULLED_BYTES]
    if not large:
        return files, []
    left_out = set(large)
    return [path for path in files if path not in left_out], large


def large_note(large: list[Path], display: Callable[[Path], str]) -> str | None:
    """What the pass says of the files it left out (None when there are none)."""
    if not large:
        return None
    named = ", ".join(display(path) for path in large[:NAMED])
    more = f" and {len(large) - NAMED} more" if len(large) > NAMED else ""
    return (
        f"{len(large)} file(s) over {budgets.MAX_PULLED_BYTES // 1024} KiB left to cargo check (generated "
        f"tables take rust-analyzer minutes each; its own findings skipped): {named}{more}"
    )
