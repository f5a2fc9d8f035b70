"""Eleventh red team: a position given as a file, a line and a symbol's name (`symbol=` with
`line=`) masks that line's comments and strings to find the name, on the event loop every session of
an engine shares, at 1.4 s a MB: a generated file of one 16 MiB line stalled every session ~22 s per
call. A line over MAX_NAMED_LINE_CHARS is now refused, naming its length and the column to pass
instead (real files, the real source cache)."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from ra_mcp.lsp.discovery import Analyzer
from ra_mcp.service import AnalyzerService
from ra_mcp.workspace.pool import WorkspacePool
from rust_mcp.core.errors import Refusal
from rust_mcp.core.roots import AllowedRoots

ANALYZER = Analyzer("/usr/bin/rust-analyzer", "rust-analyzer 1.95.0")


def test_a_very_long_line_is_refused_at_once(tmp_path: Path) -> None:
    service = AnalyzerService(
        AllowedRoots((tmp_path,)), WorkspacePool(AllowedRoots((tmp_path,)), ANALYZER, {}), tmp_path / "logs"
    )
    workspace = cast(Any, SimpleNamespace(root=tmp_path))
    short = tmp_path / "short.rs"
    short.write_text("// thing\nfn thing() {}\n")
    assert service._name_on_line(workspace, short, 2, "thing").position.character == 3
    long = tmp_path / "minified.rs"
    long.write_text('const S: &str = "/* */"; ' * 160_000 + "fn thing() {}\n")  # 4 MB on one line
    started = time.monotonic()
    with pytest.raises(Refusal, match=r"line 1 of .* is 4000013 characters long.*pass its column"):
        service._name_on_line(workspace, long, 1, "thing")
    assert time.monotonic() - started < 1.0
