"""Twelfth red team: a re-sync made the messages of all changed .rs files before sending any
(source_messages.py), so project code decided how much the engine every session shares held at
once: each file up to 8 MiB, and NUL bytes escape 6 to 1 in JSON (`\\u0000`), so 1,000 files of 8
MiB were 48 GB. Now the messages are made BATCH_BYTES at a time, each batch sent before the next is
made; what rust-analyzer gets is the same files, contents and versions (pygls's writer, no process)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from ra_mcp.workspace import source_messages, workspaces
from ra_mcp.workspace.source_messages import Encoded
from rust_mcp.core.budgets import MAX_SYNC_BYTES

from .test_big_source_sync import STALL_LIMIT, Wire, longest_stall, source, workspace

pytestmark = pytest.mark.anyio
FILES = 20
SIZE = 1024 * 1024  # of NUL bytes each: 6 MiB as JSON
BATCH = 8 * 1024 * 1024
FILES_WRITTEN = 4


async def test_changed_sources_are_made_and_sent_a_batch_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "w"
    (root / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text('[package]\nname = "w"\nversion = "0.1.0"\n')
    wire = Wire()
    synced = workspace(root, wire)
    paths = [root / "src" / f"nul{n:02}.rs" for n in range(FILES)]
    for path in paths:
        path.write_bytes(b"\0" * SIZE)
        os.utime(path, ns=(10**9, 10**9))
    held: list[int] = []
    original = source_messages.encode_sources

    def watched(*args: Any) -> dict[Path, Encoded]:
        made = original(*args)
        held.append(sum(len(encoded.message or b"") for encoded in made.values()))
        return made

    monkeypatch.setattr(workspaces, "encode_sources", watched)
    monkeypatch.setattr(workspaces, "BATCH_BYTES", BATCH, raising=False)
    await synced.sync_from_disk()
    message = 6 * SIZE + 4096
    assert max(held) <= BATCH + message, f"{max(held)} bytes of messages held at once"  # 120 MiB before
    messages = wire.messages()
    opened = [m for m in messages if m["method"] == "textDocument/didOpen"]
    assert [m["params"]["textDocument"]["uri"] for m in opened] == [path.as_uri() for path in paths]
    assert all(m["params"]["textDocument"]["text"] == "\0" * SIZE for m in opened)
    events = [
        e["uri"]
        for m in messages
        if m["method"] == "workspace/didChangeWatchedFiles"
        for e in m["params"]["changes"]
    ]
    assert sorted(events) == sorted(path.as_uri() for path in paths)
    assert synced.generation >= 1 and synced.versions == dict.fromkeys(paths, 1)


async def test_files_we_wrote_are_made_off_the_loop(tmp_path: Path) -> None:
    """After our own edit (rust_analyzer_rename and the rest, apply=true) the written files were
    read, decoded and JSON-encoded on the loop: ~95 ms a file of 8 MiB, every session waiting."""
    root = tmp_path / "w"
    (root / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text('[package]\nname = "w"\nversion = "0.1.0"\n')
    wire = Wire()
    synced = workspace(root, wire)
    paths = [root / "src" / f"big{n}.rs" for n in range(FILES_WRITTEN)]
    for number, path in enumerate(paths):
        path.write_bytes(source(number, MAX_SYNC_BYTES - 4096))
    stall = await longest_stall(lambda: synced.push_written(paths))
    opened = [m for m in wire.messages() if m["method"] == "textDocument/didOpen"]
    assert [m["params"]["textDocument"]["uri"] for m in opened] == [path.as_uri() for path in paths]
    assert stall < STALL_LIMIT, f"the loop stalled {stall:.2f} s"
