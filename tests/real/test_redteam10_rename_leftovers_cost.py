"""Red team: a rename preview searches the workspace's .rs files for the old name (unrenamed.py). Three
15 MiB .rs files naming it, in no crate, took the lexer over a minute: past the door's 30 s deadline,
so the rename was refused (preview and apply alike), and the abandoned thread kept one of the door's
8 threads, shared by every session of the engine, for a minute more per call. Now a file over 1 MiB is not
searched and the note says so; the rename answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from ra_mcp.models import EditResult

# private: rust-analyzer searches only the crate's modules for its uses, never the huge file
LIB = "fn old_name() -> u32 {\n    1\n}\n\npub fn user() -> u32 {\n    old_name()\n}\n"
LINE = "fn filler() -> u32 { old_name() } // and a comment\n"


@pytest.mark.real
@pytest.mark.anyio
async def test_a_huge_file_naming_the_old_name_does_not_refuse_the_rename(ra: Client, scratch: Path) -> None:
    crate = scratch / "huge"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "huge"\nversion = "0.1.0"\nedition = "2021"\n')
    (crate / "src" / "lib.rs").write_text(LIB)
    for number in range(3):  # in no crate
        (crate / "src" / f"generated{number}.rs").write_text(LINE * (15 * 1024 * 1024 // len(LINE)))
    arguments = {
        "file_path": str(crate / "src" / "lib.rs"),
        "line": 1,
        "column": 4,
        "new_name": "new_name",
        "workspace": str(crate),
    }
    result = await ra.call_tool("rust_analyzer_rename", arguments)
    assert not result.is_error, result.content
    edit = EditResult.model_validate(result.structured_content)
    assert not edit.applied and edit.total_files == 1, edit
    note = str(edit.note)
    assert "3 .rs files (over 1024 KiB" in note and "not searched for `old_name`" in note, note
    assert "old_name" in (crate / "src" / "lib.rs").read_text()  # a preview writes nothing
