"""Fast tier: the answer at the readiness bound ("still indexing") says how long rust-analyzer has
been at it, not "try again in a few seconds": fieldtest9's cold clap workspace was refused at 47 s
with about 60 s of indexing still to go, and the model was told a few seconds. rust-analyzer is a
stand-in here (no processes): a client that stays busy."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import anyio
import pytest

from ra_mcp.lsp.client import AnalyzerClient
from ra_mcp.lsp.state import AnalyzerState
from ra_mcp.workspace.change_journal import ChangeJournal
from ra_mcp.workspace.readiness import StillIndexing
from ra_mcp.workspace.workspaces import Workspace, is_watched
from rust_mcp.core.roots import AllowedRoots, ReadScope


@dataclass
class Busy:
    """A rust-analyzer that started `began` seconds ago and is not ready yet."""

    began: float
    state: AnalyzerState = field(default_factory=lambda: AnalyzerState(health="ok", quiescent=False))
    alive: bool = True
    exit_code: int | None = None
    started_at: float = 0.0

    def __post_init__(self) -> None:
        self.started_at = time.monotonic() - self.began


def test_still_indexing_says_how_long_and_that_the_work_goes_on(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "busy"\nversion = "0.1.0"\n')
    scope = ReadScope.for_roots(AllowedRoots((tmp_path,)), tmp_path / "cargo-home")
    client = cast(AnalyzerClient, Busy(began=47.0))
    made = Workspace(root=tmp_path, client=client, scope=scope, journal=ChangeJournal(tmp_path, is_watched))
    with pytest.raises(StillIndexing) as raised:
        anyio.run(made.wait_ready, 0.05)
    said = str(raised.value)
    assert f"still indexing {tmp_path} after 47 s" in said, said
    assert "call again" in said and "rust_analyzer_status" in said
    assert "a few seconds" not in said
