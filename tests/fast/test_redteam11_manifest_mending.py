"""Eleventh red team: after `cargo remove` (and add, update) the server mends the comments cargo
dropped with an emptied table (manifest_comments.py), on the event loop every session of an engine
shares. difflib compared the whole manifest before and after, quadratic in lines that repeat: a
Cargo.toml with 8,000 `#` lines (16 KB) stalled every session for 64 s, 4,000 for 18 s. Now only the
lines between the common head and tail are compared, at most MENDED_LINES of them, and the snapshot,
comparison and mending run on a worker thread, and a snapshot keeps a bounded number of bytes (real
texts, as cargo leaves them; real files)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cargo_mcp.run.manifest_comments import keep_dropped_table_comments
from rust_mcp.core import files
from rust_mcp.core.files import FileSnapshot

SIZE = 1024 * 1024 - 1  # under the 1 MiB a manifest may have
HEAD = '[package]\nname = "x"\nversion = "0.1.0"\n'


def test_many_repeated_lines_are_mended_in_linear_time() -> None:
    padding = "#\n" * 4_000
    before = HEAD + padding + '# Runtime dependencies.\n[dependencies]\nserde = "1"\n'
    started = time.monotonic()
    text, names = keep_dropped_table_comments(before, HEAD + padding)
    took = time.monotonic() - started
    assert (
        names == ["dependencies"] and text == HEAD + padding + "\n# Runtime dependencies.\n[dependencies]\n"
    )
    assert took < 1.0, f"{took:.1f} s"


def test_a_change_spread_over_many_lines_is_left_as_cargo_wrote_it() -> None:
    padding = "#\n" * 4_000
    before = (
        HEAD + '# Kept.\n[dependencies]\na = "1"\n' + padding + 'b = "1"\n' + "[features]\n" + " " * 500_000
    )
    after = HEAD + padding + "[features]\n" + " " * 500_000
    started = time.monotonic()
    assert keep_dropped_table_comments(before, after) == (after, [])
    assert time.monotonic() - started < 1.0


def test_a_snapshot_holds_a_bounded_number_of_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The snapshot cargo add/remove/update take first kept every Cargo.toml under the root whole,
    each up to 16 MiB: sparse files planted by project code cost no disk and any amount of memory."""
    monkeypatch.setattr(files, "SNAPSHOT_BYTES", 4 * SIZE, raising=False)
    for number in range(12):
        (tmp_path / f"m{number}").mkdir()
        with (tmp_path / f"m{number}" / "Cargo.toml").open("wb") as out:
            out.truncate(SIZE)
    snapshot = FileSnapshot.manifests(tmp_path)
    kept = sum(len(data or b"") for data in snapshot.contents.values())
    assert 0 < kept <= 4 * SIZE, kept
