"""Second red team, workspace discovery from a repository root: every Cargo.toml found below it was
parsed (to find its workspace) in a worker thread that no deadline stops, so many slow-to-parse
manifests (seconds each) held a call for minutes, on every call. A cargo_check naming no path, at a
repository root holding many workspaces, parses at most MAX_LISTED + 1 of them and answers with
the list. Real cargo-mcp server in this process, tomllib watched."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.core.workspace_discovery import MAX_LISTED
from tests.support import text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]
WORKSPACES = 3 * MAX_LISTED


async def test_a_repository_of_many_workspaces_parses_a_bounded_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repository = tmp_path / "repository"
    for number in range(WORKSPACES):
        crate = repository / f"w{number:02}"
        (crate / "src").mkdir(parents=True)
        (crate / "Cargo.toml").write_text(f'[package]\nname = "slow-ws-{number}"\nversion = "0.1.0"\n')
        (crate / "src" / "lib.rs").write_text("")
    parsed: list[str] = []
    loads = tomllib.loads

    def watched(text: str, /, **options: Any) -> dict[str, Any]:
        if "slow-ws-" in text:
            parsed.append(text)
        return loads(text, **options)

    monkeypatch.setattr(tomllib, "loads", watched)
    settings = CargoSettings(AllowedRoots((repository,)), log_dir=tmp_path / "logs")
    async with Client(build_server(settings), mode="legacy") as client:
        said = text_of(await client.call_tool("cargo_check", {}))
    assert f"{WORKSPACES} Cargo workspaces below it" in said, said
    assert "w00/" in said and f"and {WORKSPACES - MAX_LISTED} more" in said, said
    assert 0 < len(parsed) <= MAX_LISTED + 1, len(parsed)
