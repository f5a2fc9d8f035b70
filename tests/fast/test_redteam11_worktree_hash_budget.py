"""Eleventh red team: a scoped cargo check (`changed=true`, `since`) hashes every tracked file of the
work tree on one of the door's 8 threads, which every session of the engine shares, each file up to
64 MiB and with no bound on their sum: 0.84 s per 64 MiB file here. A project that keeps a few
hundred tracked files at 64 MiB (sparse, no disk used) held a door thread for minutes per call, past
the call's deadline; eight calls left no door thread to any other session. Now a file whose size is
not its blob's is changed without being read, and a call hashes a bounded number of bytes, counting
the rest as changed (a wider check, never a narrower one). Real files, the real door, no git run."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cargo_mcp.workflows import git_changes
from cargo_mcp.workflows.git_changes import compare_worktree

FILES = 12
SIZE = 1024 * 1024


def _blob(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def test_a_call_hashes_a_bounded_number_of_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(git_changes, "MAX_HASHED_TOTAL_BYTES", 4 * SIZE, raising=False)
    blob = _blob(bytes(SIZE))
    entries = []
    for number in range(FILES):
        with (tmp_path / f"big{number}.bin").open("wb") as out:
            out.truncate(SIZE)  # what git recorded, byte for byte: only hashing tells
        entries.append(f"100644 blob {blob}\tbig{number}.bin")  # sizes equal: as if not listed
    changed, added = compare_worktree(tmp_path, tmp_path, "\0".join(entries))
    assert added == []
    assert len(changed) >= FILES - 4, f"{FILES - len(changed)} files of {SIZE} bytes hashed"


def test_sizes_decide_before_any_byte_is_read(tmp_path: Path) -> None:
    (tmp_path / "same.txt").write_text("same\n")
    (tmp_path / "grown.txt").write_text("same\n" * 3)
    (tmp_path / "edited.txt").write_text("SAME\n")
    listing = "\0".join(
        f"100644 blob {_blob(b'same' + chr(10).encode())}       5\t{name}"
        for name in ("same.txt", "grown.txt", "edited.txt", "gone.txt")
    )
    changed, added = compare_worktree(tmp_path, tmp_path, listing)
    assert changed == {"grown.txt", "edited.txt", "gone.txt"} and added == []
