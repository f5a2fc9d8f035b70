"""Red team: the files a session shows are kept (SourceCache) for as long as it lives, in an engine
shared by every session. A project of many files of many short lines (16 MiB of `ab` lines cost
320 MB as lines) must not grow the cache without bound: the files shown least recently go."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ra_mcp.places import positions
from ra_mcp.places.positions import SourceCache, held_bytes
from rust_mcp.core.roots import AllowedRoots, ReadScope


def test_the_source_cache_keeps_at_most_its_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert sys.getsizeof("ab") + 8 >= positions.LINE_OVERHEAD  # a line's str and its slot in the tuple
    monkeypatch.setattr(positions, "MAX_CACHED_BYTES", 1024 * 1024)
    cache = SourceCache(ReadScope(AllowedRoots((tmp_path,))))
    files = []
    for index in range(20):
        files.append(tmp_path / f"f{index}.rs")
        files[-1].write_text("ab\n" * 20_000)  # 60 KB of text, 1.2 MB as lines
    shown = [cache.get(path) for path in files]
    assert cache.held <= positions.MAX_CACHED_BYTES + held_bytes(shown[-1])
    assert cache.held == sum(held_bytes(source) for source in cache._entries.values())
    assert files[-1] in cache._entries and files[0] not in cache._entries
    assert cache.get(files[0]).line_text(2) == "ab"  # read again when shown again
    assert files[0] in cache._entries and len(cache._entries) < len(files)
