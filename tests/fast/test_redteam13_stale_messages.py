"""Thirteenth red team: a changed file's message (its whole text as JSON) is made off the loop for
the version rust-analyzer has; when another call sent the file meanwhile (our own edit pushed while
a re-sync made its messages), the version moved and Workspace._send_contents made the message again
on the loop: ~95 ms a file of 8 MiB, every session of the engine waiting. Now such a message is made
again on a worker thread too, before the telling; what rust-analyzer gets is the text at the version
after the one it has (pygls's writer, no process)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from ra_mcp.workspace import source_messages, workspaces
from ra_mcp.workspace.source_messages import Encoded
from rust_mcp.core.budgets import MAX_SYNC_BYTES

from .test_big_source_sync import STALL_LIMIT, Wire, longest_stall, source, workspace

pytestmark = pytest.mark.anyio
FILES = 3


async def test_a_message_made_for_a_version_that_moved_is_made_again_off_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "w"
    (root / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text('[package]\nname = "w"\nversion = "0.1.0"\n')
    wire = Wire()
    synced = workspace(root, wire)
    paths = [root / "src" / f"big{n}.rs" for n in range(FILES)]
    texts = [source(number, MAX_SYNC_BYTES - 4096) for number in range(FILES)]
    for path, text in zip(paths, texts, strict=True):
        path.write_bytes(text)
    on_loop: list[bool] = []
    original = source_messages.encode_sources

    def watched(*args: Any) -> dict[Path, Encoded]:
        on_loop.append(threading.current_thread() is threading.main_thread())
        made = original(*args)
        if len(on_loop) == 1:  # meanwhile another call sent them (as push_written does): version 1
            synced.versions.update(dict.fromkeys(paths, 1))
        return made

    monkeypatch.setattr(workspaces, "encode_sources", watched)
    stall = await longest_stall(lambda: synced.push_written(paths))
    assert len(on_loop) >= 2 and not any(on_loop), f"made on the loop: {on_loop}"  # [False, True, ...] before
    changed = [m for m in wire.messages() if m["method"] == "textDocument/didChange"]
    assert [m["params"]["textDocument"] for m in changed] == [
        {"uri": p.as_uri(), "version": 2} for p in paths
    ]
    sent = [m["params"]["contentChanges"][0]["text"] for m in changed]
    assert sent == [text.decode("utf-8", errors="replace") for text in texts]
    assert synced.versions == dict.fromkeys(paths, 2) and not synced.untold
    assert stall < 5 * STALL_LIMIT, f"the loop stalled {stall:.2f} s"  # generous: a shared machine
