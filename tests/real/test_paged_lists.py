"""Every list pages and every answer fits (issue 22, problems 3 and 4), on a generated crate: a function
called from 200 places and an impl of 450 methods. Each list is read page by page as an agent would
(the `offset` each note names) and must come out whole, each item once, every page within 8 KiB of
text and 10 KiB of structured JSON, and every cut page saying so with exact counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from ra_mcp.models import CallHierarchyResult, LocationList, RunnableList, SymbolNode, SymbolOutline
from rust_mcp.core import budgets
from rust_mcp.core.paging import next_page_offset
from tests.support import text_of

CALLERS = 200
METHODS = 450
TESTS = 150
IMPLS = 150


def _crate(root: Path) -> Path:
    crate = root / "paged_lists"
    (crate / "src").mkdir(parents=True, exist_ok=True)
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "paged_lists"\nversion = "0.1.0"\nedition = "2021"\n'
    )
    callers = "\n".join(
        f"pub fn caller_{i:03}(v: u32) -> u32 {{\n    popular(v) + popular(v + {i})\n}}"
        for i in range(CALLERS)
    )
    methods = "\n".join(
        f"    /// Method number {i}.\n    pub fn method_{i:03}(&self, extra: u32) -> u32 {{\n"
        f"        self.0 + extra + {i}\n    }}"
        for i in range(METHODS)
    )
    tests = "".join(
        f"#[test]\nfn checks_{i:03}() {{\n    assert_eq!(1 + {i}, {i + 1});\n}}\n" for i in range(TESTS)
    )
    (crate / "src" / "checks.rs").write_text(tests)
    impls = "".join(
        f"/// Kind number {i}.\npub struct Kind{i:03};\nimpl Named for Kind{i:03} {{\n"
        f'    fn name(&self) -> &\'static str {{\n        "kind {i}"\n    }}\n}}\n'
        for i in range(IMPLS)
    )
    (crate / "src" / "kinds.rs").write_text(
        "/// Something with a name.\npub trait Named {\n    fn name(&self) -> &'static str;\n}\n" + impls
    )
    (crate / "src" / "lib.rs").write_text(
        "#[cfg(test)]\nmod checks;\npub mod kinds;\n\npub fn popular(v: u32) -> u32 {\n    v * 2\n}\n\n"
        f"{callers}\n\npub struct Huge(pub u32);\n\nimpl Huge {{\n{methods}\n}}\n\n"
        "pub fn after_the_impl() {}\n"
    )
    return crate


def _fits(result: Any) -> None:
    assert not result.is_error, text_of(result)
    assert len(text_of(result)) <= budgets.ANSWER_TEXT_BUDGET, len(text_of(result))
    size = len(json.dumps(result.structured_content, separators=(",", ":"), ensure_ascii=False))
    assert size <= budgets.ANSWER_STRUCTURED_BUDGET, size


async def _pages(ra: Client, tool: str, arguments: dict[str, Any]) -> list[Any]:
    """Every page of an answer, following the offsets the notes name (at most 200 pages)."""
    pages: list[Any] = []
    offset: int | None = 0
    while offset is not None and len(pages) < 200:
        result = await ra.call_tool(tool, {**arguments, "offset": offset})
        _fits(result)
        pages.append(result)
        note = (result.structured_content or {}).get("note")
        offset = next_page_offset(note)
        if offset is not None:  # a cut says so, with the exact count left
            assert "more: call again with offset=" in str(note) and str(offset) in text_of(result)
    return pages


def _walk(nodes: list[SymbolNode]) -> list[SymbolNode]:
    return [n for node in nodes for n in (node, *_walk(node.children))]


@pytest.mark.real
@pytest.mark.anyio
async def test_callers_and_a_huge_impl_page_to_their_end(ra: Client, scratch: Path) -> None:
    crate = _crate(scratch / "paged")
    lib = str(crate / "src" / "lib.rs")

    # the call hierarchy: 200 callers, each calling twice, listed over pages, with the total on each
    callers: list[tuple[str, int]] = []
    for result in await _pages(ra, "rust_analyzer_call_hierarchy", {"file_path": lib, "symbol": "popular"}):
        page = CallHierarchyResult.model_validate(result.structured_content)
        assert page.incoming_total == CALLERS and page.outgoing_total == 0
        assert f"called by ({CALLERS}" in text_of(result)
        callers += [(entry.name, len(entry.call_sites)) for entry in page.incoming]
    assert len(callers) == CALLERS == len(set(callers))
    assert {name for name, _ in callers} == {f"caller_{i:03}" for i in range(CALLERS)}
    assert {sites for _, sites in callers} == {2}
    asked = await ra.call_tool(
        "rust_analyzer_call_hierarchy", {"file_path": lib, "symbol": "popular", "limit": 1000}
    )
    _fits(asked)  # a large limit is still cut to the budget, and says so
    assert next_page_offset(asked.structured_content["note"]) is not None

    # the outline: every method of the impl reached by paging, each once, under its impl
    symbols: list[SymbolNode] = []
    pages = await _pages(ra, "rust_analyzer_symbols", {"file_path": lib})
    for result in pages:
        outline = SymbolOutline.model_validate(result.structured_content)
        assert (
            outline.total == 1 + 1 + 1 + CALLERS + 1 + 1 + METHODS + 1
        )  # checks, kinds, popular, callers, Huge, impl, after
        symbols += _walk(outline.symbols)
    assert len(pages) > 2
    methods = [s for s in symbols if s.name.startswith("method_")]
    assert [m.name for m in methods] == [f"method_{i:03}" for i in range(METHODS)]
    assert {m.depth for m in methods} == {1}
    assert [s.name for s in symbols][-1] == "after_the_impl" and len(symbols) == outline.total
    # a page that starts inside the impl names it
    inside = [
        node
        for result in pages[1:]
        for node in SymbolOutline.model_validate(result.structured_content).symbols
        if node.name.startswith("method_")
    ]
    assert inside and all(node.parent == "impl Huge" for node in inside)

    # or only what is inside the impl, paged the same way
    within: list[SymbolNode] = []
    for result in await _pages(ra, "rust_analyzer_symbols", {"file_path": lib, "within": "impl Huge"}):
        outline = SymbolOutline.model_validate(result.structured_content)
        assert outline.total == METHODS
        within += _walk(outline.symbols)
    assert [node.name for node in within] == [m.name for m in methods]
    missing = await ra.call_tool("rust_analyzer_symbols", {"file_path": lib, "within": "impl Nothing"})
    assert missing.is_error and "no item named 'impl Nothing' in src/lib.rs" in text_of(missing)
    assert "impl Huge" in text_of(missing)  # the names it could have used

    # runnables: 150 tests in one file, every one reached through the pages, with its command
    labels: list[str] = []
    for result in await _pages(
        ra, "rust_analyzer_runnables", {"file_path": str(crate / "src" / "checks.rs")}
    ):
        listed = RunnableList.model_validate(result.structured_content)
        assert listed.total >= TESTS
        labels += [entry.label for entry in listed.runnables]
    assert len(labels) == listed.total == len(set(labels))
    assert [label for label in labels if label.startswith("test ")] == [
        f"test checks::checks_{i:03}" for i in range(TESTS)
    ]

    # implementations: 150 impls of one trait, over pages, the total on each
    kinds = str(crate / "src" / "kinds.rs")
    impls: list[tuple[str, int]] = []
    for result in await _pages(ra, "rust_analyzer_implementations", {"file_path": kinds, "symbol": "Named"}):
        found = LocationList.model_validate(result.structured_content)
        assert found.total == IMPLS, text_of(result)
        impls += [(place.path, place.line) for place in found.locations]
    assert len(impls) == IMPLS == len(set(impls))
    assert {path for path, _ in impls} == {"src/kinds.rs"}
