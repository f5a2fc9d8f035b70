"""Fourteenth red team: finding a package's workspace root (every cargo call's `prepare`, every
rust-analyzer call's root_for, the audit's clippy pass) parsed the package's Cargo.toml and then every
ancestor's up to the allowed root, each up to MAX_MANIFEST_BYTES (1.1 s apiece here for 1 MiB of table
headers), on the event loop. A project nesting packages deeply (a path holds some 2,000 levels) made
that unbounded: every session of the engine stalled for the whole search, on each uncached call. Now
one search stops parsing once WORKSPACE_SEARCH_BYTES of manifests are parsed; past it the package is its own
workspace (as when an ancestor lies outside the roots)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rust_mcp.core import cargo_projects, toml_text
from rust_mcp.core.cargo_projects import find_workspace_root
from rust_mcp.core.roots import AllowedRoots

LEVELS = 12
PADDING = 20 * 1024  # bytes of comment in each manifest: 240 KB in all
BOUND = 100 * 1024  # the bound, for this test


def _parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sizes: list[int] = []
    original = toml_text.parse_toml

    def counted(text: str) -> Any:
        sizes.append(len(text))
        return original(text)

    monkeypatch.setattr(toml_text, "parse_toml", counted)
    return sizes


def test_the_search_for_a_workspace_root_parses_a_bounded_amount(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path
    (directory / "Cargo.toml").write_text('[workspace]\nmembers = ["**"]\n')
    for level in range(LEVELS):
        directory = directory / f"d{level}"
        directory.mkdir()
        padding = "#" + "x" * PADDING + "\n"
        (directory / "Cargo.toml").write_text(f'{padding}[package]\nname = "p{level}"\nversion = "0.1.0"\n')
    sizes = _parsed(monkeypatch)
    monkeypatch.setattr(cargo_projects, "WORKSPACE_SEARCH_BYTES", BOUND, raising=False)
    found = find_workspace_root(directory / "Cargo.toml", AllowedRoots((tmp_path,)))
    assert sum(sizes) <= BOUND + max(sizes), f"{sum(sizes):,} bytes parsed"  # 246 KB before
    assert found == directory  # past the bound, the package is its own workspace


def test_a_workspace_within_the_bound_is_still_found(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text('[workspace]\nmembers = ["a/b"]\n')
    member = tmp_path / "a" / "b"
    member.mkdir(parents=True)
    (tmp_path / "a" / "Cargo.toml").write_text('[package]\nname = "a"\nversion = "0.1.0"\n')
    (member / "Cargo.toml").write_text('[package]\nname = "b"\nversion = "0.1.0"\n')
    assert find_workspace_root(member / "Cargo.toml", AllowedRoots((tmp_path,))) == tmp_path
