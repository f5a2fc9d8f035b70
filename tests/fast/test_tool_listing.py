"""Fast tier: each server lists the tools it builds from its code with its settings, one listing path.
With the sandbox off the same tools are listed with the same schemas, only the hints of the tools
that run a project's code change; a setting that sets a parameter's default is what the schema says;
a server built again (an engine builds one per session) derives no argument model again. (That the
listing is what docs/tools.md shows is tests/fast/test_readme.py.)"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.server.mcpserver import MCPServer

from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server as build_cargo
from ra_mcp.server import AnalyzerSettings
from ra_mcp.server import build_server as build_analyzer
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.core.sandbox import SandboxMode
from rust_mcp.dev.reference import server_tools
from tests.support import in_fresh_thread


def _listed(sandbox: SandboxMode) -> dict[str, dict[str, Any]]:
    tools = in_fresh_thread(server_tools, sandbox)  # server_tools runs its own event loops
    return {tool.name: tool.model_dump(mode="json") for listing in tools.values() for tool in listing}


def test_without_the_sandbox_only_the_hints_of_code_running_tools_change() -> None:
    on, off = _listed("auto"), _listed("off")
    assert list(on) == list(off) and len(on) >= 40
    for name in on:
        assert {**on[name], "annotations": None} == {**off[name], "annotations": None}, name
    changed = {name for name in on if on[name]["annotations"] != off[name]["annotations"]}
    assert {"cargo_check", "cargo_test", "rust_analyzer_symbols"} <= changed
    assert not {"set_working_directory", "rust_analyzer_status", "cargo_clean"} & changed
    hints = {name: tool["annotations"]["read_only_hint"] for name, tool in off.items()}
    assert hints["set_working_directory"] and hints["rust_analyzer_status"]  # they run nothing
    assert hints["cargo_check"] is False and hints["rust_analyzer_symbols"] is False  # build scripts
    assert on["cargo_check"]["annotations"]["read_only_hint"] is True  # contained in the sandbox


def _listing(server: MCPServer[Any]) -> dict[str, dict[str, Any]]:
    async def listing() -> dict[str, dict[str, Any]]:
        async with Client(server, mode="legacy") as client:
            return {tool.name: tool.model_dump(mode="json") for tool in (await client.list_tools()).tools}

    return anyio.run(listing)


def test_a_setting_that_sets_a_default_is_listed(tmp_path: Path) -> None:
    roots = AllowedRoots.from_strings([str(tmp_path)])
    usual = in_fresh_thread(_listing, build_analyzer(AnalyzerSettings(roots)))
    slower = in_fresh_thread(_listing, build_analyzer(AnalyzerSettings(roots, check_timeout=77)))
    timed = [
        name
        for name, tool in usual.items()
        if "check_timeout_secs" in tool["input_schema"].get("properties", {})
    ]
    assert timed and list(usual) == list(slower)
    for name, tool in slower.items():
        properties = tool["input_schema"]["properties"]
        if name in timed:
            assert properties["check_timeout_secs"]["default"] == 77, name
            assert usual[name]["input_schema"]["properties"]["check_timeout_secs"]["default"] == 300
            properties["check_timeout_secs"]["default"] = 300
        assert tool == usual[name], name


def test_a_server_built_again_reuses_the_argument_models(tmp_path: Path) -> None:
    roots = AllowedRoots.from_strings([str(tmp_path)])

    def models(server: MCPServer[Any]) -> dict[str, Any]:
        return {tool.name: tool.fn_metadata.arg_model for tool in server._tool_manager.list_tools()}

    builds: list[Callable[[], MCPServer[Any]]] = [
        lambda: build_cargo(CargoSettings(roots, log_dir=tmp_path / "logs")),
        lambda: build_analyzer(AnalyzerSettings(roots)),
    ]
    for build in builds:
        first, again = models(build()), models(build())
        assert len(first) >= 20 and list(first) == list(again)
        assert all(again[name] is model for name, model in first.items())
