"""Twelfth red team: a snapshot before cargo add/remove/update/clippy --fix keeps SNAPSHOT_BYTES at
most, but read each file whole before weighing it: past the budget every further file was still
read (16 MiB a source) and dropped, so 300 planted sparse sources of 16 MiB read 4.8 GB to keep
none of them. Now a file larger than what is left is refused by its size, unread."""

from __future__ import annotations

from pathlib import Path

import pytest

from rust_mcp.core import files, safe_io
from rust_mcp.core.files import FileSnapshot

BUDGET = 2 * 512 * 1024 + 1024  # two of the large files, and the small one
SIZE = 512 * 1024
FILES = 40


def test_a_snapshot_reads_no_more_than_it_keeps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = []
    for number in range(FILES):
        path = tmp_path / f"f{number:02}.rs"
        with path.open("wb") as handle:
            handle.truncate(SIZE)
        paths.append(path)
    (tmp_path / "small.rs").write_text("fn main() {}\n")
    read: list[int] = []
    original = safe_io.read_without_links

    def watched(path: Path, limit: int) -> bytes | None:
        data = original(path, limit)
        read.append(len(data or b""))
        return data

    monkeypatch.setattr(files, "read_without_links", watched)
    monkeypatch.setattr(files, "SNAPSHOT_BYTES", BUDGET)
    snapshot = FileSnapshot.take(tmp_path, [*paths, tmp_path / "small.rs"])
    assert sum(read) <= BUDGET + 100, f"{sum(read)} bytes read"  # 20 MiB before
    assert len(snapshot.contents) == BUDGET // SIZE + 1  # two of the large ones, and the small one
    assert snapshot.contents[tmp_path / "small.rs"] == b"fn main() {}\n"
