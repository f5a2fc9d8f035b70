"""Fast tier: rust-analyzer-mcp keeps to itself. It builds none of cargo-mcp's service, so starting it
and calling its tools leaves cargo-mcp's log directory (which cargo-mcp prunes to its newest logs
when it builds its tools) alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from cargo_mcp.run.settings import CargoSettings, default_log_dir
from cargo_mcp.server import build_server as build_cargo_server
from ra_mcp.server import AnalyzerSettings
from ra_mcp.server import build_server as build_analyzer_server
from rust_mcp.core.roots import AllowedRoots

pytestmark = pytest.mark.anyio


async def test_starting_rust_analyzer_mcp_leaves_cargo_logs_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    logs = default_log_dir()
    logs.mkdir(parents=True)
    keep = CargoSettings(AllowedRoots.from_strings([str(tmp_path)])).keep_logs
    for index in range(keep + 5):
        (logs / f"{index:04}.log").write_text("old run\n")
    roots = AllowedRoots.from_strings([str(tmp_path)])
    async with Client(build_analyzer_server(AnalyzerSettings(roots)), mode="legacy") as client:
        assert (await client.list_tools()).tools
        await client.call_tool("rust_analyzer_set_workspace", {"workspace_path": str(tmp_path)})
    assert len(list(logs.glob("*.log"))) == keep + 5
    cargo = build_cargo_server(CargoSettings(roots))
    assert len(list(logs.glob("*.log"))) == keep  # cargo-mcp itself prunes them: the check can fail
    async with Client(cargo, mode="legacy") as client:
        chosen = await client.call_tool("set_working_directory", {"path": str(tmp_path)})
        assert not chosen.is_error
