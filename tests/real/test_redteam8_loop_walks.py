"""Eighth red team, the event loop an engine's sessions share: a workspace tree with more directories
than the change journal may watch (MAX_WATCHES; project code can make 17,000 empty ones in a moment)
is walked whole on every rust-analyzer call, and was walked on the event loop: 0.4 s a call and 1.1 s
at the start for 17,000 directories, during which no other session got an answer. The journals are
now made, and a walking journal refreshed, on worker threads. Real rust-analyzer in its sandbox, the
server in this process; the limit lowered so that a small tree is past it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from mcp import Client

from ra_mcp.server import build_server
from ra_mcp.settings import AnalyzerSettings
from ra_mcp.workspace import change_journal
from ra_mcp.workspace.change_journal import ChangeJournal
from rust_mcp.core.roots import AllowedRoots
from tests.real.test_ra_tools import call, column_of
from tests.support import on_event_loop, require_bubblewrap, require_rust_analyzer

pytestmark = [pytest.mark.anyio, pytest.mark.real]
PACKAGE = '[package]\nname = "wide"\nversion = "0.1.0"\nedition = "2021"\n'
MAIN = "fn main() {{\n    let _v = value();\n}}\n/// The {} answer.\nfn value() -> u8 {{\n    1\n}}\n"


async def test_a_tree_too_large_to_watch_is_walked_off_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_bubblewrap()
    require_rust_analyzer()
    monkeypatch.setattr(change_journal, "MAX_WATCHES", 4)
    walks: list[tuple[str, bool]] = []
    original = ChangeJournal._walk_all

    def watched(journal: ChangeJournal) -> set[str]:
        walks.append((threading.current_thread().name, on_event_loop()))
        return original(journal)

    monkeypatch.setattr(ChangeJournal, "_walk_all", watched)
    root = tmp_path / "root"
    crate = root / "wide"
    (crate / "src").mkdir(parents=True)
    for number in range(8):  # past the lowered limit
        (crate / "assets" / f"d{number}").mkdir(parents=True)
    (crate / "Cargo.toml").write_text(PACKAGE)
    main = crate / "src" / "main.rs"
    main.write_text(MAIN.format("first"))
    arguments = {"file_path": str(main), "line": 2, "column": column_of(main, 2, "value")}
    settings = AnalyzerSettings(AllowedRoots((root,)))
    async with Client(build_server(settings), mode="legacy", read_timeout_seconds=900) as ra:
        assert "The first answer." in (await call(ra, "rust_analyzer_hover", arguments))["markdown"]
        main.write_text(MAIN.format("second"))
        assert "The second answer." in (await call(ra, "rust_analyzer_hover", arguments))["markdown"]
    assert len(walks) >= 3, walks  # the start (twice: blind after the watches ran out) and the refresh
    assert not any(on_loop for _, on_loop in walks), walks
