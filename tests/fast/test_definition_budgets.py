"""Fast tier: what both servers' tool definitions cost a model, as a client lists them (in-memory
servers, nothing started). A model pays for name + description + inputSchema of every tool on every
turn; some clients also keep the whole tools/list (output schemas and annotations included)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer

from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server as build_cargo_server
from cargo_mcp.table.rows import COMMANDS
from ra_mcp.server import AnalyzerSettings
from ra_mcp.server import build_server as build_analyzer_server
from ra_mcp.tool_set import TOOLS
from rust_mcp.core.budgets import DEFINITION_AVERAGE, TOOLS_LIST_BUDGET, compact_json, definition_chars
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.mcp.registration import flat_parameters
from tests.support import in_fresh_thread

SERVERS = ("cargo-mcp", "rust-analyzer-mcp")


async def _listed(server: MCPServer[Any]) -> list[dict[str, Any]]:
    async with Client(server, mode="legacy") as client:
        tools = (await client.list_tools()).tools
    return [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in tools]


@functools.cache
def listed_tools(tmp: str) -> dict[str, list[dict[str, Any]]]:
    """Each server's tools/list, as the wire carries it."""
    roots = AllowedRoots.from_strings([tmp])
    cargo = build_cargo_server(CargoSettings(roots, log_dir=Path(tmp) / "logs"))
    analyzer = build_analyzer_server(AnalyzerSettings(roots, rust_analyzer=str(Path(tmp) / "missing")))
    return {
        "cargo-mcp": in_fresh_thread(anyio.run, _listed, cargo),
        "rust-analyzer-mcp": in_fresh_thread(anyio.run, _listed, analyzer),
    }


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    return listed_tools(str(tmp_path_factory.mktemp("definitions")))


def definition(tool: dict[str, Any]) -> int:
    return definition_chars(tool["name"], tool.get("description"), tool["inputSchema"])


def worst(tools: list[dict[str, Any]], size: Any, count: int = 5) -> str:
    ranked = sorted(tools, key=size, reverse=True)[:count]
    return ", ".join(f"{tool['name']} {size(tool):,}" for tool in ranked)


@pytest.mark.parametrize("server", SERVERS)
def test_definitions_average_within_budget(listed: dict[str, list[dict[str, Any]]], server: str) -> None:
    tools = listed[server]
    average = sum(definition(tool) for tool in tools) / len(tools)
    assert average <= DEFINITION_AVERAGE, (
        f"{server}: {average:.0f} characters of name + description + inputSchema per tool on average, "
        f"over the {DEFINITION_AVERAGE} budget; the largest: {worst(tools, definition)}"
    )


def client_serialized(tool: dict[str, Any]) -> int:
    """name + description + inputSchema as most clients serialize the schema: `json.dumps` with its
    default separators (a space after every `,` and `:`), which the compact count does not see."""
    return len(tool["name"]) + len(tool.get("description") or "") + len(json.dumps(tool["inputSchema"]))


@pytest.mark.parametrize("server", SERVERS)
def test_definitions_as_clients_serialize_them_average_within_budget(
    listed: dict[str, list[dict[str, Any]]], server: str
) -> None:
    tools = listed[server]
    average = sum(client_serialized(tool) for tool in tools) / len(tools)
    assert average <= DEFINITION_AVERAGE, (
        f"{server}: {average:.0f} characters per tool on average as json.dumps writes the schema, over "
        f"the {DEFINITION_AVERAGE} budget; the largest: {worst(tools, client_serialized)}"
    )


@pytest.mark.parametrize("server", SERVERS)
def test_whole_tools_list_within_budget(listed: dict[str, list[dict[str, Any]]], server: str) -> None:
    tools = listed[server]
    whole = len(compact_json({"tools": tools}))
    assert whole < TOOLS_LIST_BUDGET, (
        f"{server}: tools/list is {whole:,} characters, over the {TOOLS_LIST_BUDGET:,} budget; the "
        f"largest tools: {worst(tools, lambda tool: len(compact_json(tool)))}; the largest output "
        f"schemas: {worst(tools, lambda tool: len(compact_json(tool.get('outputSchema', {}))))}"
    )


def test_every_tool_lists_every_parameter_it_declares(listed: dict[str, list[dict[str, Any]]]) -> None:
    declared = {command.name: [param.name for param in command.parameters()] for command in COMMANDS}
    declared |= {tool.name: [p.name for p in flat_parameters(tool.function, skip=1)[0]] for tool in TOOLS}
    shown = {
        tool["name"]: list(tool["inputSchema"]["properties"])
        for server in SERVERS
        for tool in listed[server]
        if tool["name"] != "set_working_directory"
    }
    assert shown == declared


def test_input_schemas_are_inline_and_typed(listed: dict[str, list[dict[str, Any]]]) -> None:
    """Codex rebuilds an input schema into a subset of JSON Schema without `$ref`: a referenced
    parameter would reach its model as an untyped string. Every parameter names its type."""
    for server in SERVERS:
        for tool in listed[server]:
            schema = tool["inputSchema"]
            assert "$ref" not in compact_json(schema) and "$defs" not in schema, tool["name"]
            untyped = [name for name, item in schema["properties"].items() if "type" not in item]
            assert not untyped, f"{tool['name']}: {untyped} have no type"
