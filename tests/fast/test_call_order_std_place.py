"""Fast tier: a call hierarchy lists its callees by the file as answers write it, not by URI. By URI,
a callee in std (`<std>/library/alloc/src/string.rs`) came before the workspace's callees on a machine
keeping std under /root/.rustup and after them on one keeping it under /usr/lib: the same answer in
two orders, and a golden answer that held on one machine failed on the other."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ra_mcp.lsp.lazy_types import lsp
from ra_mcp.places.locator import Locator
from ra_mcp.places.positions import SourceCache
from ra_mcp.tools.navigation import _in_order
from rust_mcp.core.roots import AllowedRoots, ReadScope


def callee(path: Path, line: int) -> Any:
    point = lsp.Position(line=line, character=4)
    return SimpleNamespace(
        to=SimpleNamespace(uri=path.as_uri(), selection_range=lsp.Range(start=point, end=point))
    )


def names_in_order(tmp_path: Path, std_home: str) -> list[str]:
    root = tmp_path / "m" / "workspace"
    std = tmp_path / std_home / "library"
    for directory in (root / "src", std / "alloc" / "src"):
        directory.mkdir(parents=True, exist_ok=True)
    scope = ReadScope(AllowedRoots((root,)))
    scope.add_read_only([std.parent])
    locator = Locator(scope, SourceCache(scope), root)
    calls = [callee(root / "src" / "lib.rs", 3), callee(std / "alloc" / "src" / "string.rs", 2893)]
    return [locator.label(call.to.uri) for call in _in_order(calls, "to", locator)]


def test_callees_in_std_keep_their_place_wherever_std_lives(tmp_path: Path) -> None:
    early = names_in_order(tmp_path / "a", "a-std")  # std's URI sorts before the workspace's
    late = names_in_order(tmp_path / "b", "z-std")  # and after it
    assert early == late == ["<std>/library/alloc/src/string.rs", "src/lib.rs"]
