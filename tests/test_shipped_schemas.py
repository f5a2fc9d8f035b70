"""The catalogue each server ships (tool_schemas.json: every tool's title, description, annotations
and schemas, listed at start instead of importing the tools' code and deriving them with pydantic,
most of a server's start-up) is what the code makes; a server listing from it lists exactly what a
server built from the code lists, with non-default settings (the sandbox off, a check timeout) too;
listing imports none of the tools' code; and the argument model made at a tool's first call checks
arguments as strictly as one made at start."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer

from cargo_mcp.server import build_server as build_cargo
from cargo_mcp.settings import CargoSettings
from ra_mcp.server import AnalyzerSettings
from ra_mcp.server import build_server as build_analyzer
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.core.sandbox import SandboxMode
from rust_mcp.dev.reference import schema_files
from rust_mcp.mcp.registration import load_schemas
from tests.support import in_fresh_thread, text_of

pytestmark = pytest.mark.anyio


def test_the_shipped_schemas_are_what_the_code_derives() -> None:
    for path, derived in in_fresh_thread(schema_files).items():
        assert path.read_text() == derived, f"{path} is stale: run `python -m rust_mcp.dev.reference --write`"


def _listed(server: MCPServer[Any]) -> list[dict[str, Any]]:
    async def listing() -> list[dict[str, Any]]:
        async with Client(server, mode="legacy") as client:
            return [tool.model_dump(mode="json") for tool in (await client.list_tools()).tools]

    return anyio.run(listing)


def _servers(root: Path, derived: bool, sandbox: SandboxMode = "auto") -> list[MCPServer[Any]]:
    roots = AllowedRoots.from_strings([str(root)])
    return [
        build_cargo(CargoSettings(roots, log_dir=root / "logs", sandbox=sandbox, derive_schemas=derived)),
        build_analyzer(AnalyzerSettings(roots, check_timeout=77, sandbox=sandbox, derive_schemas=derived)),
    ]


def test_a_server_built_from_shipped_schemas_lists_what_the_code_derives(tmp_path: Path) -> None:
    import cargo_mcp.server
    import ra_mcp.server

    assert load_schemas(cargo_mcp.server.__file__) and load_schemas(ra_mcp.server.__file__)
    shipped = [in_fresh_thread(_listed, server) for server in _servers(tmp_path, False)]
    derived = [in_fresh_thread(_listed, server) for server in _servers(tmp_path, True)]
    assert shipped == derived
    timeouts = [
        tool["input_schema"]["properties"]["check_timeout_secs"]["default"]
        for tool in shipped[1]
        if "check_timeout_secs" in tool["input_schema"].get("properties", {})
    ]
    assert timeouts and set(timeouts) == {77}  # the server's setting, not the shipped default


def test_without_the_sandbox_the_listed_annotations_are_the_ones_the_code_makes(tmp_path: Path) -> None:
    shipped = [in_fresh_thread(_listed, server) for server in _servers(tmp_path, False, "off")]
    derived = [in_fresh_thread(_listed, server) for server in _servers(tmp_path, True, "off")]
    assert shipped == derived
    hints = {tool["name"]: tool["annotations"]["read_only_hint"] for tool in shipped[0] + shipped[1]}
    assert hints["set_working_directory"] and hints["rust_analyzer_status"]  # they run nothing
    assert hints["cargo_check"] is False and hints["rust_analyzer_symbols"] is False  # build scripts


LISTING_ONLY = """
import sys, anyio
from mcp import Client
from cargo_mcp.server import build_server as build_cargo
from cargo_mcp.settings import CargoSettings
from ra_mcp.server import AnalyzerSettings, build_server as build_analyzer
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.core.sandbox import SandboxMode

roots = AllowedRoots.from_strings([sys.argv[1]])
CODE = ("cargo_mcp.tool_set", "cargo_mcp.calls", "cargo_mcp.models", "ra_mcp.tool_table",
        "ra_mcp.analyzer", "ra_mcp.models", "ra_mcp.lsp", "pygls", "lsprotocol")

async def main() -> None:
    for server in (build_cargo(CargoSettings(roots)), build_analyzer(AnalyzerSettings(roots))):
        async with Client(server, mode="legacy") as client:
            assert len((await client.list_tools()).tools) >= 20
    print(sorted(name for name in CODE if name in sys.modules))
    async with Client(build_cargo(CargoSettings(roots)), mode="legacy") as client:
        await client.call_tool("set_working_directory", {"path": sys.argv[1]})
    print(sorted(name for name in CODE if name in sys.modules))

anyio.run(main)
"""


@pytest.mark.real  # a fresh interpreter: this one has imported everything already
def test_listing_the_tools_imports_none_of_their_code(tmp_path: Path) -> None:
    listed = subprocess.run(
        [sys.executable, "-c", LISTING_ONLY, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert listed.returncode == 0, listed.stderr
    before_a_call, after_one = listed.stdout.splitlines()
    assert before_a_call == "[]"
    assert "'cargo_mcp.tool_set'" in after_one and "ra_mcp.tool_table" not in after_one


async def test_arguments_are_checked_strictly_at_the_first_call(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    cargo, analyzer = _servers(tmp_path, False)
    async with Client(cargo, mode="legacy") as client:
        misspelt = await client.call_tool("cargo_check", {"path": str(tmp_path), "pakage": "x"})
        assert misspelt.is_error and "`pakage` is not a parameter of cargo_check" in text_of(misspelt)
        assert "did you mean `package`?" in text_of(misspelt)
    async with Client(analyzer, mode="legacy") as client:
        coerced = await client.call_tool("rust_analyzer_hover", {"file_path": "a.rs", "line": "5"})
        assert coerced.is_error and "`line`" in text_of(coerced), text_of(coerced)
        assert json.dumps(coerced.model_dump(mode="json")).count("Refused") == 1
