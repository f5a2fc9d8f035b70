"""Changed .rs files are sent to rust-analyzer with their contents (didOpen/didChange), up to
MAX_SYNC_BYTES (8 MiB) each. Read, decoded and serialized on the event loop, each cost ~95 ms: a few
big changed files stalled every session of the engine. They are read and encoded on a worker
thread, in pieces short enough that the loop keeps running, and written in the same order as before.
rust-analyzer's side is pygls's own protocol writing into a list (no process)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import anyio
import pytest
from pygls.lsp.client import LanguageClient

from ra_mcp.lsp.client import AnalyzerClient
from ra_mcp.lsp.state import AnalyzerState
from ra_mcp.workspace.change_journal import ChangeJournal
from ra_mcp.workspace.workspaces import Workspace, is_watched
from rust_mcp.core.budgets import MAX_SYNC_BYTES
from rust_mcp.core.roots import AllowedRoots, ReadScope

pytestmark = pytest.mark.anyio
FILES = 4
STALL_LIMIT = 0.2  # seconds the loop may go without a turn while they are synced (on main: 0.7 to 1.2)


@dataclass
class Command:
    env: dict[str, str] = field(default_factory=dict)


class Wire:
    """What the workspace uses of rust-analyzer's client: pygls's protocol, its bytes kept."""

    def __init__(self) -> None:
        self.pygls = LanguageClient("test", "0")
        self.pygls.protocol.set_writer(self)
        self.written: list[bytes] = []
        self.state = AnalyzerState()
        self.command = Command()
        self.alive = True

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def close(self) -> None:
        return None

    def notify(self, method: str, params: Any) -> None:
        self.pygls.protocol.notify(method, params)

    def notify_encoded(self, message: bytes) -> None:
        self.written.append(message)

    def messages(self) -> list[dict[str, Any]]:
        """Every message written, in order, each checked against its Content-Length."""
        stream, found = b"".join(self.written), []
        while stream:
            header, _, rest = stream.partition(b"\r\n\r\n")
            length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
            found.append(json.loads(rest[:length]))
            stream = rest[length:]
        self.written.clear()
        return found


def source(seed: int, size: int) -> bytes:
    """About `size` bytes of Rust, with multi-byte characters everywhere (some across any piece's
    edge) and one byte that is not UTF-8."""
    line = f'pub const C{seed}: &str = "é€😀 {seed}"; // ünïcode\n'.encode()
    body = line * (size // len(line))
    return body[: size // 2] + b"\xff" + body[size // 2 :]


async def longest_stall(work: Callable[[], Awaitable[object]]) -> float:
    """The longest time the loop went without a turn while `work` ran."""
    gaps = [0.0]
    done = anyio.Event()

    async def tick() -> None:
        last = time.monotonic()
        while not done.is_set():
            await anyio.sleep(0.002)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    async with anyio.create_task_group() as group:
        group.start_soon(tick)
        await work()
        done.set()
    return max(gaps)


def workspace(root: Path, wire: Wire) -> Workspace:
    journal = ChangeJournal(root, is_watched, use_inotify=False)
    return Workspace(
        root=root,
        client=cast(AnalyzerClient, wire),
        scope=ReadScope(AllowedRoots((root,))),
        journal=journal,
        snapshot=dict(journal.files),
    )


async def test_big_changed_files_are_synced_without_stalling_the_loop(tmp_path: Path) -> None:
    root = tmp_path / "w"
    (root / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text('[package]\nname = "w"\nversion = "0.1.0"\n')
    paths = [root / "src" / f"big{n}.rs" for n in range(FILES)]
    (tmp_path / "secret.rs").write_text("outside the roots")
    wire = Wire()
    synced = workspace(root, wire)
    (root / "src" / "link.rs").symlink_to(tmp_path / "secret.rs")  # a link: never read, never sent
    stalls = []
    for version in (1, 2):
        contents = [source(n + version, MAX_SYNC_BYTES - 4096) for n in range(FILES)]
        for path, content in zip(paths, contents, strict=True):
            path.write_bytes(content)
            os.utime(path, ns=(version * 10**9, version * 10**9))
        stalls.append(await longest_stall(synced.sync_from_disk))
        messages = wire.messages()
        method = "textDocument/didOpen" if version == 1 else "textDocument/didChange"
        assert [m["method"] for m in messages] == [method] * FILES + ["workspace/didChangeWatchedFiles"]
        for message, path, content in zip(messages[:FILES], paths, contents, strict=True):
            document = message["params"]["textDocument"]
            text = document["text"] if version == 1 else message["params"]["contentChanges"][0]["text"]
            assert (document["uri"], document["version"]) == (path.as_uri(), version)
            assert text == content.decode("utf-8", errors="replace")
        events = messages[-1]["params"]["changes"]
        assert [event["uri"] for event in events] == [path.as_uri() for path in paths]
    assert max(stalls) < STALL_LIMIT, stalls
