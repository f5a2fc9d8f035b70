"""Every read-only rust-analyzer tool against real rust-analyzer on the fixtures, through a real MCP
client over stdio. One warm rust-analyzer per fixture is shared by all of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp_types import CallToolResult

from ra_mcp.tool_set import TOOLS_BY_NAME
from tests.support import structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]

WRITERS = {
    "rust_analyzer_format",
    "rust_analyzer_rename",
    "rust_analyzer_ssr",
    "rust_analyzer_apply_code_action",
}


def column_of(path: Path, line: int, needle: str) -> int:
    """1-based character column of `needle` on a 1-based line."""
    return path.read_text().split("\n")[line - 1].index(needle) + 1


def ra_structured(tool: str, result: CallToolResult) -> dict[str, Any]:
    return structured(result, TOOLS_BY_NAME[tool].result_model)


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)
    return ra_structured(tool, result)


async def test_tools_list(ra: Client) -> None:
    tools = {tool.name: tool for tool in (await ra.list_tools()).tools}
    anchor = {
        "rust_analyzer_symbols",
        "rust_analyzer_definition",
        "rust_analyzer_references",
        "rust_analyzer_hover",
        "rust_analyzer_completion",
        "rust_analyzer_format",
        "rust_analyzer_code_actions",
        "rust_analyzer_diagnostics",
        "rust_analyzer_workspace_diagnostics",
        "rust_analyzer_set_workspace",
        "rust_analyzer_rename",
    }
    beyond = {
        "rust_analyzer_workspace_symbol",
        "rust_analyzer_implementations",
        "rust_analyzer_type_definition",
        "rust_analyzer_call_hierarchy",
        "rust_analyzer_expand_macro",
        "rust_analyzer_runnables",
        "rust_analyzer_related_tests",
        "rust_analyzer_ssr",
        "rust_analyzer_apply_code_action",
        "rust_analyzer_status",
        "rust_analyzer_unsafe_audit",
    }
    assert set(tools) == anchor | beyond
    for name, tool in tools.items():
        assert tool.annotations is not None and tool.annotations.title, name
        assert tool.annotations.read_only_hint is (name not in WRITERS), name
        assert tool.input_schema.get("additionalProperties") is False, name
        assert tool.output_schema is not None, name
    for name in WRITERS:
        assert tools[name].annotations.destructive_hint is True  # type: ignore[union-attr]
        assert "apply" in tools[name].input_schema["properties"], name


async def test_hover_and_definition_count_columns_in_characters(ra: Client, workspace_root: Path) -> None:
    main = workspace_root / "workspace" / "app" / "src" / "main.rs"
    line_text = main.read_text().split("\n")[15]
    column = column_of(main, 16, "Point::new(3.0")
    # 'é', 'ö' and '🦀' come first: in UTF-16 units this column would be one more
    assert len(line_text[: column - 1].encode("utf-16-le")) // 2 == column
    hover = await call(ra, "rust_analyzer_hover", {"file_path": str(main), "line": 16, "column": column})
    assert (
        hover["found"]
        and "pub struct Point" in hover["markdown"]
        and "A point in the plane." in hover["markdown"]
    )
    definition = await call(
        ra, "rust_analyzer_definition", {"file_path": str(main), "line": 16, "column": column}
    )
    [location] = definition["locations"]
    assert (location["path"], location["line"], location["column"]) == ("geometry/src/lib.rs", 7, 12)
    assert location["text"] == "pub struct Point {"


async def test_definition_by_symbol_with_body(ra: Client, workspace_root: Path) -> None:
    result = await ra.call_tool(
        "rust_analyzer_definition",
        {"symbol": "Point::norm2", "workspace": str(workspace_root / "workspace"), "include_body": True},
    )
    body = ra_structured("rust_analyzer_definition", result)
    [location] = body["locations"]
    assert (location["path"], location["line"]) == ("geometry/src/lib.rs", 19)
    assert "self.x * self.x + self.y * self.y" in body["bodies"][0]
    assert text_of(result).splitlines()[1] == "geometry/src/lib.rs:19:12  pub fn norm2(&self) -> f64 {"


async def test_line_and_name_without_column(ra: Client, workspace_root: Path) -> None:
    main = workspace_root / "workspace" / "app" / "src" / "main.rs"
    result = await call(
        ra, "rust_analyzer_definition", {"file_path": str(main), "line": 20, "symbol": "distance"}
    )
    assert result["locations"][0]["line"] == 24


async def test_references_grouped_by_file(ra: Client, workspace_root: Path) -> None:
    result = await ra.call_tool(
        "rust_analyzer_references", {"symbol": "Point::norm2", "workspace": str(workspace_root / "workspace")}
    )
    body = ra_structured("rust_analyzer_references", result)
    assert body["total"] == 3 and body["files"] == 2
    groups = {g["path"]: [(loc["line"], loc["column"]) for loc in g["locations"]] for g in body["groups"]}
    assert groups == {"app/src/main.rs": [(19, 32)], "geometry/src/lib.rs": [(19, 12), (43, 41)]}
    assert 'app/src/main.rs (1)\n  19:32  println!("norm2 = {}", far.norm2());' in text_of(result)
    without = await call(
        ra,
        "rust_analyzer_references",
        {
            "symbol": "Point::norm2",
            "workspace": str(workspace_root / "workspace"),
            "include_declaration": False,
        },
    )
    assert without["total"] == 2
    capped = await call(
        ra,
        "rust_analyzer_references",
        {"symbol": "Point::norm2", "workspace": str(workspace_root / "workspace"), "limit": 1},
    )
    assert capped["total"] == 3 and sum(len(g["locations"]) for g in capped["groups"]) == 1
    assert "references 1-1 of 3 listed; 2 more: call again with offset=1" in capped["note"]


async def test_symbols_outline(ra: Client, workspace_root: Path) -> None:
    lib = workspace_root / "workspace" / "geometry" / "src" / "lib.rs"
    outline = await call(ra, "rust_analyzer_symbols", {"file_path": str(lib)})
    names = [(s["kind"], s["name"], s["line"]) for s in outline["symbols"]]
    assert ("struct", "Point", 7) in names and ("interface", "Area", 32) in names
    impl = next(s for s in outline["symbols"] if s["name"] == "impl Point")
    assert [c["name"] for c in impl["children"]] == ["new", "norm2", "distance"]
    with_bodies = await call(ra, "rust_analyzer_symbols", {"file_path": str(lib), "include_bodies": True})
    point = next(s for s in with_bodies["symbols"] if s["name"] == "Point")
    assert "pub x: f64," in point["body"]


async def test_workspace_symbol_by_name(ra: Client, workspace_root: Path) -> None:
    workspace = str(workspace_root / "workspace")
    found = await call(ra, "rust_analyzer_workspace_symbol", {"query": "Point", "workspace": workspace})
    first = found["locations"][0]
    assert (first["name"], first["kind"], first["path"]) == ("Point", "struct", "geometry/src/lib.rs")
    fuzzy = await call(ra, "rust_analyzer_workspace_symbol", {"query": "area", "workspace": workspace})
    assert {loc["name"] for loc in fuzzy["locations"]} >= {"area", "total_area", "Area"}
    types = await call(
        ra, "rust_analyzer_workspace_symbol", {"query": "area", "workspace": workspace, "types_only": True}
    )
    assert [loc["name"] for loc in types["locations"]] == ["Area"]
    local = await call(ra, "rust_analyzer_workspace_symbol", {"query": "HashMap", "workspace": workspace})
    assert local["total"] == 0 and "with_dependencies" in local["note"]
    deps = await call(
        ra,
        "rust_analyzer_workspace_symbol",
        {"query": "HashMap", "workspace": workspace, "with_dependencies": True},
    )
    assert any(loc["name"] == "HashMap" and "collections" in loc["path"] for loc in deps["locations"])


async def test_implementations_and_type_definition(ra: Client, workspace_root: Path) -> None:
    workspace = str(workspace_root / "workspace")
    impls = await call(ra, "rust_analyzer_implementations", {"symbol": "Area", "workspace": workspace})
    assert sorted(loc["text"] for loc in impls["locations"]) == [
        "impl Area for Circle {",
        "impl Area for Square {",
    ]
    main = workspace_root / "workspace" / "app" / "src" / "main.rs"
    typed = await call(
        ra,
        "rust_analyzer_type_definition",
        {"file_path": str(main), "line": 19, "column": column_of(main, 19, "far")},
    )
    assert typed["locations"][0]["text"] == "pub struct Point {"


async def test_call_hierarchy(ra: Client, workspace_root: Path) -> None:
    result = await call(
        ra,
        "rust_analyzer_call_hierarchy",
        {"symbol": "total_area", "workspace": str(workspace_root / "workspace")},
    )
    assert result["item"]["name"] == "total_area"
    [caller] = result["incoming"]
    assert caller["name"] == "main" and caller["call_sites"][0]["line"] == 23
    assert "area" in {callee["name"] for callee in result["outgoing"]}
    only_in = await call(
        ra,
        "rust_analyzer_call_hierarchy",
        {"symbol": "total_area", "workspace": str(workspace_root / "workspace"), "direction": "incoming"},
    )
    assert only_in["outgoing"] == []


async def test_expand_macro_derive_and_function_like(ra: Client, workspace_root: Path) -> None:
    main = workspace_root / "workspace" / "app" / "src" / "main.rs"
    derive = await call(
        ra, "rust_analyzer_expand_macro", {"file_path": str(main), "line": 8, "symbol": "Describe"}
    )
    assert derive["name"] == "Describe" and "pub fn describe() -> &'static str" in derive["expansion"]
    assert '"Marker"' in derive["expansion"]
    printed = await call(ra, "rust_analyzer_expand_macro", {"file_path": str(main), "line": 19, "column": 5})
    assert printed["name"] == "println!" and "format_args" in printed["expansion"]
    nothing = await call(ra, "rust_analyzer_expand_macro", {"file_path": str(main), "line": 15, "column": 9})
    assert nothing["expansion"] is None and "no macro" in nothing["note"]


async def test_runnables_and_related_tests(ra: Client, workspace_root: Path) -> None:
    lib = workspace_root / "workspace" / "geometry" / "src" / "lib.rs"
    runnables = await call(ra, "rust_analyzer_runnables", {"file_path": str(lib)})
    by_label = {r["label"]: r for r in runnables["runnables"]}
    test = by_label["test tests::norm2_of_unit_vector"]
    assert test["cargo_args"][:3] == ["test", "--package", "geometry"]
    assert "tests::norm2_of_unit_vector" in test["executable_args"] and test["location"]["line"] == 42
    related = await call(
        ra,
        "rust_analyzer_related_tests",
        {"symbol": "Point::norm2", "workspace": str(workspace_root / "workspace")},
    )
    assert [r["label"] for r in related["runnables"]] == ["test tests::norm2_of_unit_vector"]


async def test_completion_after_a_dot(ra: Client, workspace_root: Path) -> None:
    main = workspace_root / "workspace" / "app" / "src" / "main.rs"
    result = await call(
        ra,
        "rust_analyzer_completion",
        {"file_path": str(main), "line": 19, "column": column_of(main, 19, ".norm2") + 1},
    )
    labels = [item["label"] for item in result["items"]]
    assert "norm2" in labels and "distance" in labels
    assert len(labels) <= 30


async def test_file_diagnostics_include_a_fresh_cargo_check(ra: Client, workspace_root: Path) -> None:
    result = await ra.call_tool(
        "rust_analyzer_diagnostics", {"file_path": str(workspace_root / "lib_errors/src/lib.rs")}
    )
    body = ra_structured("rust_analyzer_diagnostics", result)
    assert body["check_ran"] is True
    assert body["counts"]["errors"] == 1 and body["counts"]["warnings"] == 1
    error = body["diagnostics"][0]
    assert (error["severity"], error["code"], error["line"], error["column"]) == ("error", "E0308", 6, 22)
    assert error["source"] == "rustc"
    assert any("expected due to this" in related for related in error["related"])
    # rust-analyzer's own analysis alone (no cargo check) still sees the type error
    native = await call(
        ra,
        "rust_analyzer_diagnostics",
        {"file_path": str(workspace_root / "lib_errors/src/lib.rs"), "include_check": False},
    )
    assert native["check_ran"] is False
    assert [d["code"] for d in native["diagnostics"] if d["severity"] == "error"] == ["E0308"]
    assert native["diagnostics"][0]["source"] == "rust-analyzer"
    # and rust-analyzer's check wrote to its own target directory, not cargo's
    assert (workspace_root / "lib_errors" / "target" / "rust-analyzer").is_dir()


async def test_set_workspace_and_status(ra: Client, workspace_root: Path) -> None:
    chosen = await call(
        ra, "rust_analyzer_set_workspace", {"workspace_path": str(workspace_root / "workspace")}
    )
    assert chosen["workspace"] == str(workspace_root / "workspace") and chosen["status"]["ready"]
    found = await call(ra, "rust_analyzer_workspace_symbol", {"query": "Circle"})
    assert found["locations"][0]["path"] == "geometry/src/shapes.rs"
    status = await call(ra, "rust_analyzer_status", {})
    assert status["version"].startswith("rust-analyzer")
    assert status["default_workspace"] == str(workspace_root / "workspace")
    loaded = {w["root"]: w for w in status["workspaces"]}
    assert (
        loaded[str(workspace_root / "workspace")]["alive"]
        and loaded[str(workspace_root / "workspace")]["rss_mb"]
    )
