"""What a warm call asks of the pool when nothing changed (issue 24): the root of a file comes from
the cache the running rust-analyzer's change journal vouches for, without stamping its manifest, and
the workspace is not re-synced; an edit (heard by the event loop) or a replaced root is noticed by
the very next call."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ra_mcp.workspace import pool as pool_module
from ra_mcp.workspace.pool import in_sync
from ra_mcp.workspace.workspaces import Workspace
from rust_mcp.core.file_stamps import FileStamp, file_stamp
from tests.fast.test_policy_reads import warm_pool

pytestmark = pytest.mark.anyio


async def loop_turns() -> None:
    for _ in range(2):  # one turn polls the descriptors, the next runs what woke after it
        await asyncio.sleep(0)


async def test_a_warm_call_stamps_nothing_until_something_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "crate"
    (root / "src").mkdir(parents=True)
    (root / "src/lib.rs").write_text("pub fn f() {}\n")
    pool = warm_pool(root)
    stamped: list[Path] = []

    def counted(path: Path) -> FileStamp | None:
        stamped.append(Path(path))
        return file_stamp(path)

    monkeypatch.setattr(pool_module, "file_stamp", counted)
    synced: list[Path] = []

    async def answer(workspace: Workspace) -> bool:
        synced.append(workspace.root)
        return in_sync(workspace)

    lib = root / "src/lib.rs"
    assert await pool.root_for(lib) == root and stamped == [root / "Cargo.toml"]  # found once, stamped
    assert await pool.run(root, answer) is True  # the first call re-syncs; the journal listens after it
    await loop_turns()
    stamped.clear()
    assert await pool.root_for(lib) == root and stamped == []  # the journal vouches: no stamp
    assert in_sync(pool.workspaces[(root, None)])
    lib.write_text("pub fn f() { edited(); }\n")
    await loop_turns()
    assert not in_sync(pool.workspaces[(root, None)])
    assert await pool.root_for(lib) == root and stamped == [root / "Cargo.toml"]  # heard: stamped again
    assert await pool.run(root, answer) is True  # re-synced, vouched for again
    (root / "Cargo.toml").write_text('[package]\nname = "renamed"\nversion = "0.1.0"\n')
    await loop_turns()
    stamped.clear()
    assert await pool.root_for(lib) == root and stamped == [root / "Cargo.toml", root / "Cargo.toml"]
    pool.workspaces[(root, None)].journal.close()
