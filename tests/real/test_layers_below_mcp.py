"""The layers below MCP, called directly (no MCP client, no server): the cargo service that runs
cargo for the cargo tools, and the rust-analyzer pool and LSP client the rust-analyzer tools use.
Real cargo and real rust-analyzer on copies of the fixtures; each answer is compared with cargo's
own JSON or with the source text, never with our own rendering."""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import anyio
import pytest
from lsprotocol import types as lsp

from cargo_mcp.results.models import CargoResult
from cargo_mcp.run.cargo_service import CargoService
from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.table.rows import COMMANDS_BY_NAME
from ra_mcp.lsp.discovery import find_analyzer
from ra_mcp.workspace.pool import WorkspacePool
from ra_mcp.workspace.workspaces import Workspace
from rust_mcp.core.roots import AllowedRoots
from tests.support import copy_fixture, require_rust_analyzer

pytestmark = [pytest.mark.anyio, pytest.mark.real]


async def run_cargo_tool(root: Path, tool: str, **values: Any) -> CargoResult:
    """One cargo tool's run through the service alone: validate, build the command line, run it."""
    service = CargoService(CargoSettings(AllowedRoots((root,)), log_dir=root / "logs"))
    invocation = service.prepare(COMMANDS_BY_NAME[tool], values, None)
    return await service.execute(invocation)


async def cargo_output(crate: Path, *args: str) -> str:
    """What `cargo ARGS` prints on stdout in `crate` (run apart from our code)."""
    done = await anyio.run_process(["cargo", *args], cwd=crate, check=False)
    return done.stdout.decode()


async def cargo_json(crate: Path, *args: str) -> list[dict[str, Any]]:
    """cargo's own JSON lines for `cargo ARGS` in `crate`."""
    output = await cargo_output(crate, *args)
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


async def test_the_cargo_service_reports_the_diagnostics_cargo_emits(tmp_path: Path) -> None:
    crate = copy_fixture("lib_errors", tmp_path)
    result = await run_cargo_tool(tmp_path, "cargo_check", path=str(crate))
    ours = {(d.level, d.code, d.file, d.line, d.column) for d in result.diagnostics}
    truth = set()
    for message in await cargo_json(crate, "check", "--message-format=json"):
        if message.get("reason") != "compiler-message" or not message["message"]["spans"]:
            continue
        found = message["message"]
        span = next(span for span in found["spans"] if span["is_primary"])
        code = (found.get("code") or {}).get("code")
        truth.add((found["level"], code, span["file_name"], span["line_start"], span["column_start"]))
    assert result.exit_code == 101 and not result.ok
    assert (
        ours
        == truth
        == {
            ("error", "E0308", "src/lib.rs", 6, 22),
            ("warning", "unused_variables", "src/lib.rs", 11, 9),
        }
    )


async def test_the_cargo_service_lists_the_members_cargo_metadata_lists(tmp_path: Path) -> None:
    workspace = copy_fixture("workspace", tmp_path)
    result = await run_cargo_tool(tmp_path, "cargo_metadata", path=str(workspace))
    assert result.ok and result.data is not None
    members = result.data["members"]
    assert isinstance(members, list)
    ours = [(member["name"], member["version"]) for member in members]
    (metadata,) = await cargo_json(workspace, "metadata", "--format-version", "1", "--no-deps")
    by_id = {package["id"]: package for package in metadata["packages"]}
    truth = [(by_id[i]["name"], by_id[i]["version"]) for i in metadata["workspace_members"]]
    assert sorted(ours) == sorted(truth) and len(truth) == 3


async def test_the_cargo_service_counts_the_tests_libtest_reports(tmp_path: Path) -> None:
    crate = copy_fixture("tests_mixed", tmp_path)
    result = await run_cargo_tool(tmp_path, "cargo_test", path=str(crate), lib_only=True)
    assert result.tests is not None
    output = await cargo_output(crate, "test", "--lib")
    line = re.search(r"test result: FAILED\. (\d+) passed; (\d+) failed; (\d+) ignored", output)
    assert line, output[-2000:]
    truth = tuple(int(number) for number in line.groups())
    assert (result.tests.passed, result.tests.failed, result.tests.ignored) == truth == (1, 1, 1)


@pytest.fixture
async def pool(tmp_path: Path) -> AsyncIterator[tuple[WorkspacePool, Path]]:
    """A rust-analyzer pool on a copy of the workspace fixture, with no sandbox launcher (the
    analyzer runs as a library user would start it, in this environment); every rust-analyzer
    stopped afterwards."""
    require_rust_analyzer()
    root = copy_fixture("workspace", tmp_path)
    started = WorkspacePool(AllowedRoots((tmp_path,)), find_analyzer(), dict(os.environ))
    try:
        yield started, root
    finally:
        await started.close_all()


def position_of(path: Path, needle: str, line_pattern: str) -> lsp.Position:
    """0-based LSP position of `needle` within the first match of `line_pattern` (ASCII lines)."""
    for number, line in enumerate(path.read_text().splitlines()):
        if found := re.search(line_pattern, line):
            return lsp.Position(line=number, character=found.start() + found.group().index(needle))
    raise AssertionError(f"no line matching {line_pattern!r} in {path}")


def line_of(path: Path, line_pattern: str) -> int:
    return position_of(path, "", line_pattern).line


async def test_the_analyzer_layer_finds_the_definition_the_source_declares(
    pool: tuple[WorkspacePool, Path],
) -> None:
    workspace_pool, root = pool
    main, lib = root / "app" / "src" / "main.rs", root / "geometry" / "src" / "lib.rs"
    at = position_of(main, "norm2", r"far\.norm2\(\)")

    async def definition(workspace: Workspace) -> Any:
        params = lsp.DefinitionParams(lsp.TextDocumentIdentifier(main.as_uri()), at)
        return await workspace.client.request("textDocument/definition", params)

    answer = await workspace_pool.run(root, definition)
    found = answer if isinstance(answer, list) else [answer]
    places = [
        (item.target_uri, item.target_selection_range.start.line)
        if isinstance(item, lsp.LocationLink)
        else (item.uri, item.range.start.line)
        for item in found
    ]
    assert places == [(lib.as_uri(), line_of(lib, r"pub fn norm2\(&self\) -> f64"))]


async def test_the_analyzer_layer_hovers_with_the_signature_and_docs_of_the_source(
    pool: tuple[WorkspacePool, Path],
) -> None:
    workspace_pool, root = pool
    main, lib = root / "app" / "src" / "main.rs", root / "geometry" / "src" / "lib.rs"
    at = position_of(main, "distance", r"origin\.distance\(")

    async def hover(workspace: Workspace) -> Any:
        params = lsp.HoverParams(lsp.TextDocumentIdentifier(main.as_uri()), at)
        return await workspace.client.request("textDocument/hover", params)

    answer = await workspace_pool.run(root, hover)
    assert isinstance(answer, lsp.Hover) and isinstance(answer.contents, lsp.MarkupContent)
    source = lib.read_text().splitlines()
    declared = line_of(lib, r"pub fn distance\(")
    signature = source[declared].strip().removesuffix("{").strip()  # pub fn distance(...) -> f64
    doc = source[declared - 1].strip().removeprefix("///").strip()
    assert signature in answer.contents.value and doc in answer.contents.value


async def test_the_analyzer_layer_outlines_the_items_the_source_declares(
    pool: tuple[WorkspacePool, Path],
) -> None:
    workspace_pool, root = pool
    lib = root / "geometry" / "src" / "lib.rs"

    async def outline(workspace: Workspace) -> Any:
        params = lsp.DocumentSymbolParams(lsp.TextDocumentIdentifier(lib.as_uri()))
        return await workspace.client.request("textDocument/documentSymbol", params)

    answer = await workspace_pool.run(root, outline)

    def names(symbols: Sequence[lsp.DocumentSymbol]) -> set[str]:
        return {name for s in symbols for name in {s.name, *names(s.children or [])}}

    declared = set(re.findall(r"^\s*(?:pub )?(?:struct|trait|fn|mod) (\w+)", lib.read_text(), re.M))
    assert declared <= names(answer) and {"Point", "Area", "norm2", "shapes"} <= declared
