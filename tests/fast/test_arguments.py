"""Fast tier: how the servers take arguments, through in-memory MCP clients (the server object itself,
no subprocess): position groups listed flat and handed back whole, strict types, settings that set
defaults, and the refusals that come before any rust-analyzer or cargo starts."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pytest
from mcp import Client
from pydantic import Field

from ra_mcp.server import AnalyzerSettings, build_server
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.mcp.connections import ParameterGroup, regroup
from rust_mcp.mcp.registration import flat_parameters
from tests.support import text_of

pytestmark = pytest.mark.anyio


@dataclass(frozen=True, kw_only=True)
class Spot(ParameterGroup):
    ORDER = ("path", "row")

    row: Annotated[int, Field(ge=1)] = 1
    path: str


async def locate(call: object, name: str, at: Spot, verbose: bool = False) -> str:
    return f"{name} {at.path}:{at.row} {verbose}"


def test_a_group_is_listed_flat_in_its_order_and_handed_back_whole() -> None:
    parameters, groups = flat_parameters(locate, skip=1)
    assert [p.name for p in parameters] == ["name", "path", "row", "verbose"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters)
    assert parameters[1].default is inspect.Parameter.empty and parameters[2].default == 1
    arguments = regroup({"name": "n", "path": "p", "row": 3, "verbose": True}, groups)
    assert arguments == {"name": "n", "at": Spot(path="p", row=3), "verbose": True}
    assert regroup({"name": "n", "path": "p"}, groups)["at"] == Spot(path="p")


@pytest.fixture(scope="module")
def crate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("tiny")
    (tmp_path / "src").mkdir()
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "tiny"\nversion = "0.1.0"\nedition = "2021"\n')
    (tmp_path / "src" / "lib.rs").write_text("pub fn tiny() {}\n")
    (tmp_path / "notes.txt").write_text("not rust\n")
    return tmp_path


@pytest.fixture(scope="module")
async def analyzer(crate: Path) -> AsyncIterator[Client]:
    """One server for the module: nothing here may start a rust-analyzer."""
    settings = AnalyzerSettings(AllowedRoots.from_strings([str(crate)]), check_timeout=77)
    async with Client(build_server(settings), mode="legacy") as client:
        yield client


async def schemas(client: Client) -> dict[str, dict[str, Any]]:
    return {tool.name: tool.input_schema for tool in (await client.list_tools()).tools}


async def test_position_tools_list_the_shared_fields_in_one_order(analyzer: Client) -> None:
    listed = await schemas(analyzer)
    position = ["file_path", "line", "column", "symbol", "workspace"]
    assert list(listed["rust_analyzer_definition"]["properties"]) == [*position, "include_body"]
    assert list(listed["rust_analyzer_rename"]["properties"]) == ["new_name", *position, "apply", "offset"]
    assert listed["rust_analyzer_rename"]["required"] == ["new_name"]
    ranged = ["file_path", "index", *position[1:3], "end_line", "end_column", *position[3:], "title", "apply"]
    assert list(listed["rust_analyzer_apply_code_action"]["properties"]) == ranged
    assert listed["rust_analyzer_apply_code_action"]["required"] == ["file_path", "index"]
    assert listed["rust_analyzer_expand_macro"]["required"] == ["file_path"]
    assert list(listed["rust_analyzer_completion"]["properties"]) == [
        "file_path",
        "line",
        "column",
        "workspace",
        "limit",
    ]
    same = {name for name, schema in listed.items() if schema["properties"].get("symbol")}
    symbol = {
        json["properties"]["symbol"]["description"]
        for json in listed.values()
        if "symbol" in json["properties"]
    }
    assert len(same) == 11 and len(symbol) == 1  # one description, written once


async def test_the_check_timeout_default_comes_from_the_settings(analyzer: Client) -> None:
    listed = await schemas(analyzer)
    for tool in ("rust_analyzer_diagnostics", "rust_analyzer_workspace_diagnostics"):
        assert listed[tool]["properties"]["check_timeout_secs"]["default"] == 77


REFUSALS = [
    ("rust_analyzer_rename", {"symbol": "tiny", "new_name": "not a name"}, "is not a Rust identifier"),
    ("rust_analyzer_ssr", {"rule": "no arrow here"}, "needs the form `search ==>> replacement`"),
    ("rust_analyzer_ssr", {"rule": "  "}, "the SSR rule is empty"),
    ("rust_analyzer_workspace_symbol", {"query": "a*b"}, "query must be a symbol name"),
    ("rust_analyzer_hover", {"file_path": "notes.txt", "line": 1, "column": 1}, "is not a Rust source file"),
    ("rust_analyzer_hover", {"file_path": "src", "line": 1, "column": 1}, "is a directory"),
    ("rust_analyzer_hover", {"file_path": "src/gone.rs", "line": 1, "column": 1}, "does not exist"),
    ("rust_analyzer_hover", {"line": 1, "column": 1}, "pass file_path with line and column, or a symbol"),
    ("rust_analyzer_symbols", {"file_path": "../elsewhere.rs"}, "is outside the allowed roots"),
    ("rust_analyzer_unsafe_audit", {"workspace": "nowhere"}, "workspace 'nowhere' does not exist"),
]


@pytest.mark.parametrize(("tool", "arguments", "reason"), REFUSALS)
async def test_refused_before_rust_analyzer_starts(
    analyzer: Client, tool: str, arguments: dict[str, Any], reason: str
) -> None:
    result = await analyzer.call_tool(tool, arguments)
    text = text_of(result)
    assert result.is_error and text.startswith("Refused: ") and reason in text, text
    status = text_of(await analyzer.call_tool("rust_analyzer_status", {}))
    assert "0 workspace(s) loaded" in status, status


async def test_arguments_are_strict_and_explained(analyzer: Client) -> None:
    misspelt = await analyzer.call_tool("rust_analyzer_hover", {"file_pth": "src/lib.rs"})
    assert misspelt.is_error
    assert "`file_pth` is not a parameter of rust_analyzer_hover; did you mean `file_path`?" in text_of(
        misspelt
    )
    coerced = await analyzer.call_tool("rust_analyzer_hover", {"file_path": "src/lib.rs", "line": "1"})
    assert coerced.is_error and "- `line`: " in text_of(coerced) and "(got string '1')" in text_of(coerced)
    negative = await analyzer.call_tool("rust_analyzer_hover", {"file_path": "src/lib.rs", "line": 0})
    assert negative.is_error and "`line`" in text_of(negative)


async def test_a_missing_rust_analyzer_is_named_with_its_fix(crate: Path) -> None:
    settings = AnalyzerSettings(AllowedRoots.from_strings([str(crate)]), rust_analyzer=str(crate / "no-ra"))
    async with Client(build_server(settings), mode="legacy") as client:
        result = await client.call_tool("rust_analyzer_hover", {"symbol": "tiny"})
    text = text_of(result)
    assert result.is_error and text.startswith("rust-analyzer is not available: --rust-analyzer")
    assert "rustup component add rust-analyzer rust-src" in text
