"""Answers within 8 KiB of text and 10 KiB of structured JSON, most useful first, with exact counts and
an `offset` that pages to exactly the full result: references, outline, diagnostics and a rename
preview on a generated crate far over budget (paging alone: tests/fast/test_paging_and_diff_budgets.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from ra_mcp.models import EditResult, MacroExpansion, ReferenceResult, SymbolOutline
from ra_mcp.tools import render
from ra_mcp.tools.audit_models import UnsafeAudit
from rust_mcp.core import budgets
from rust_mcp.core.paging import next_page_offset
from tests.support import structured, text_of


def _crate(root: Path, uses: int) -> Path:
    """A crate with one widely used function, a long file of items, and many warnings."""
    crate = root / "budget_crate"
    (crate / "src").mkdir(parents=True, exist_ok=True)
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "budget_crate"\nversion = "0.1.0"\nedition = "2021"\n'
    )
    callers = "\n".join(
        f"pub fn caller_{i}(value: u32) -> u32 {{\n    let unused_{i} = 1;\n    widely_used(value + {i})\n}}"
        for i in range(uses)
    )
    (crate / "src" / "lib.rs").write_text(
        f"pub mod more;\n\npub fn widely_used(value: u32) -> u32 {{\n    value * 2\n}}\n\n{callers}\n"
    )
    more = "\n".join(f"pub fn more_{i}() -> u32 {{ crate::widely_used({i}) }}" for i in range(uses))
    (crate / "src" / "more.rs").write_text(more + "\n")
    return crate


def _within_budget(result: Any) -> None:
    assert len(text_of(result)) <= budgets.ANSWER_TEXT_BUDGET, len(text_of(result))
    size = len(json.dumps(result.structured_content, separators=(",", ":"), ensure_ascii=False))
    assert size <= budgets.ANSWER_STRUCTURED_BUDGET, size


@pytest.mark.real
@pytest.mark.anyio
async def test_biggest_answers_fit_and_page_to_the_full_result(ra: Client, scratch: Path) -> None:
    crate = _crate(scratch / "budgets", uses=400)
    at = {"file_path": str(crate / "src" / "lib.rs"), "symbol": "widely_used"}

    pages: list[tuple[str, int]] = []
    offset: int | None = 0
    while offset is not None:
        result = await ra.call_tool("rust_analyzer_references", {**at, "offset": offset})
        _within_budget(result)
        page = ReferenceResult.model_validate(result.structured_content)
        pages += [(loc.path, loc.line) for group in page.groups for loc in group.locations]
        marker = "call again with offset="
        offset = int(page.note.split(marker)[1].split()[0]) if page.note and marker in page.note else None
    assert page.total == 801 == len(pages) == len(set(pages))  # 800 uses and the definition, each once
    assert pages[0][0].endswith("lib.rs")  # the symbol's own file first
    # the pages shared one query; a use added on disk is in the next answer
    with (crate / "src" / "more.rs").open("a") as more:
        more.write("pub fn one_more() -> u32 { crate::widely_used(7) }\n")
    again = ReferenceResult.model_validate(
        (await ra.call_tool("rust_analyzer_references", at)).structured_content
    )
    assert again.total == 802

    outline = await ra.call_tool("rust_analyzer_symbols", {"file_path": at["file_path"]})
    _within_budget(outline)
    shown = SymbolOutline.model_validate(outline.structured_content)
    assert shown.total >= 402 and shown.note and "more: call again with offset=" in shown.note

    rename = await ra.call_tool("rust_analyzer_rename", {**at, "new_name": "used_everywhere"})
    _within_budget(rename)
    preview = EditResult.model_validate(structured(rename, EditResult))
    assert preview.total_files == 2 and preview.added == preview.removed >= 801  # every use, renamed in place
    assert not preview.applied and "widely_used" in (crate / "src" / "more.rs").read_text()
    assert render.edit(preview).startswith("rename")
    # the text cuts the diff, so the whole of it is one read away, in a private file the note names
    assert preview.full_diff and preview.note and preview.full_diff in preview.note
    whole = Path(preview.full_diff)
    assert whole.stat().st_mode & 0o777 == 0o600
    body = [line for line in whole.read_text().splitlines() if not line.startswith(("+++", "---"))]
    assert sum(line.startswith("+") for line in body) == preview.added
    assert sum(line.startswith("-") for line in body) == preview.removed


def _unsafe_crate(root: Path, sites: int) -> Path:
    """A crate with `sites` unsafe fns (every third documented) each holding an unsafe block of
    `sites % 20 + 1` raw-pointer reads, and one macro whose expansion runs to thousands of lines."""
    crate = root / "unsafe_budget"
    (crate / "src").mkdir(parents=True, exist_ok=True)
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "unsafe_budget"\nversion = "0.1.0"\nedition = "2021"\n'
    )
    functions = []
    for i in range(sites):
        reads = "\n".join(f"        total += *p.add({k}) as u64;" for k in range(i % 20 + 1))
        doc = "/// # Safety\n/// `p` points at 20 readable bytes.\n" if i % 3 == 0 else ""
        functions.append(
            f"{doc}pub unsafe fn read_{i}(p: *const u8) -> u64 {{\n    let mut total = 0;\n"
            f"    unsafe {{\n{reads}\n    }}\n    total\n}}"
        )
    many = "\n".join(f"    pub const C{i}: u32 = {i};" for i in range(3000))
    macro = f"macro_rules! many {{ () => {{\n{many}\n}}; }}\n"
    macro += "pub struct Holder;\nimpl Holder {\n    many!();\n}\n"
    (crate / "src" / "lib.rs").write_text("\n".join(functions) + "\n" + macro)
    return crate


@pytest.mark.real
@pytest.mark.anyio
async def test_the_unsafe_audit_and_a_long_expansion_fit_and_page(ra: Client, scratch: Path) -> None:
    sites_in_source = 150
    crate = _unsafe_crate(scratch / "budgets_unsafe", sites=sites_in_source)
    arguments: dict[str, Any] = {"workspace": str(crate), "include_clippy": False}
    sites: list[tuple[int, bool, int, int]] = []
    offset: int | None = 0
    while offset is not None:
        result = await ra.call_tool("rust_analyzer_unsafe_audit", {**arguments, "offset": offset})
        _within_budget(result)
        audit = UnsafeAudit.model_validate(result.structured_content)
        sites += [(s.line, s.documented, len(s.operations), s.operations_left_out) for s in audit.sites]
        offset = next_page_offset(audit.note)
    assert audit.totals.functions == audit.totals.blocks == sites_in_source == len(sites) / 2
    assert len(set(sites)) == len(sites)  # every site once
    documented = [d for _, d, _, _ in sites]
    assert documented == sorted(documented)  # the undocumented first
    # each read is two unsafe operations: the call of `add` and the dereference
    assert sum(shown + cut for _, _, shown, cut in sites) == audit.totals.operations
    assert audit.totals.operations == 2 * sum(i % 20 + 1 for i in range(sites_in_source))
    assert max(shown for _, _, shown, _ in sites) == budgets.SITE_OPERATIONS
    # the pages shared one run; a change on disk makes the next call a new one
    with (crate / "src" / "lib.rs").open("a") as appended:
        appended.write("pub unsafe fn added_later(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n")
    again = await ra.call_tool("rust_analyzer_unsafe_audit", arguments)
    fresh = UnsafeAudit.model_validate(again.structured_content)
    assert (fresh.totals.functions, fresh.totals.operations) == (
        sites_in_source + 1,
        audit.totals.operations + 1,
    )

    source = (crate / "src" / "lib.rs").read_text().splitlines()
    line = next(n for n, text in enumerate(source) if "many!();" in text)
    at = {"file_path": str(crate / "src" / "lib.rs"), "line": line + 1, "column": 5}
    expansion: list[str] = []
    offset = 0
    while offset is not None:
        result = await ra.call_tool("rust_analyzer_expand_macro", {**at, "offset": offset})
        _within_budget(result)
        page = MacroExpansion.model_validate(result.structured_content)
        expansion += (page.expansion or "").split("\n")
        offset = next_page_offset(page.note)
    constants = [text for text in expansion if "C2999" in text or "C0" in text]
    assert len(expansion) >= 3000 and len(constants) == 2, (len(expansion), constants)
