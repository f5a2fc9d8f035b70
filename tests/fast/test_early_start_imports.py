"""The start ahead (ra_mcp/early_start.py) costs the answer to tools/list nothing when it does not
start rust-analyzer: the LSP client's modules (~0.4 s of pygls and lsprotocol) are imported only
once the start is sure to start, in a worker thread, before the pool's start needs them. Measured
with `--engine off` on bench/revisions.py's start crate (no Cargo.lock, so nothing starts ahead):
+265 ms to tools/list when the server build imported them first."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import anyio
import pytest

from ra_mcp import early_start, pool_start

CLIENT = "ra_mcp.lsp.client"


@pytest.fixture
def client_unloaded() -> Iterator[None]:
    """The LSP client's module out of sys.modules for the test (put back after, also as the
    package's attribute, so every later test sees the one module object)."""
    import ra_mcp.lsp

    kept = sys.modules.pop(CLIENT, None)
    attribute = ra_mcp.lsp.__dict__.pop("client", None)
    try:
        yield
    finally:
        if kept is not None:
            sys.modules[CLIENT] = kept
        if attribute is not None:
            ra_mcp.lsp.client = attribute


class RecordingPool:
    """Stands in for the WorkspacePool: records whether the client's modules were loaded when
    the start asked it for rust-analyzer."""

    def __init__(self) -> None:
        self.asked: list[tuple[Path, bool]] = []

    async def get(self, root: Path, **_: Any) -> None:
        self.asked.append((root, CLIENT in sys.modules))


def test_building_the_server_imports_no_lsp_client(client_unloaded: None) -> None:
    built = early_start._built(object(), lambda settings: ("server", "memory"))  # type: ignore[arg-type]
    assert built == ("server", "memory")
    assert CLIENT not in sys.modules


def started_ahead(project: Path, monkeypatch: pytest.MonkeyPatch, lockfile: str | None) -> RecordingPool:
    """pool_start.start_ahead on a one-package `project` (with `lockfile` as its Cargo.lock)."""
    monkeypatch.setattr(pool_start, "cargo_home", lambda: project / "home")
    (project / "Cargo.toml").write_text('[package]\nname = "start"\nversion = "0.1.0"\n')
    if lockfile is not None:
        (project / "Cargo.lock").write_text(lockfile)
    pool = RecordingPool()
    anyio.run(pool_start.start_ahead, cast(Any, pool), project)
    return pool


def test_a_start_that_does_not_happen_imports_no_lsp_client(
    client_unloaded: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert started_ahead(tmp_path, monkeypatch, None).asked == []  # no Cargo.lock: nothing starts
    assert CLIENT not in sys.modules


def test_a_start_that_happens_has_the_client_loaded_before_the_pool_starts(
    client_unloaded: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lockfile = 'version = 3\n\n[[package]]\nname = "start"\nversion = "0.1.0"\n'  # all fetched
    assert started_ahead(tmp_path, monkeypatch, lockfile).asked == [(tmp_path, True)]
