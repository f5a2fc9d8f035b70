"""The paging under every long answer (each item once, in order, with an offset a reader parses
back) and the edit summary that keeps a long diff's first hunks and counts the rest. The real-tier
answers on crates far over budget are in tests/real/test_answer_budgets.py."""

from __future__ import annotations

from ra_mcp.tools.edit_diffs import file_diff
from rust_mcp.core import budgets
from rust_mcp.core.paging import next_page_offset, take_page


def test_pages_cover_everything_once_in_order() -> None:
    items = [f"item {i:03}" + "x" * (i % 7) * 40 for i in range(500)]
    seen: list[str] = []
    offset = 0
    while True:
        page = take_page(items, offset, 100, len, budget=3_000)
        assert sum(len(item) for item in page.items) <= 3_000 and page.total == 500
        seen += page.items
        assert next_page_offset(page.note("items")) == page.next_offset  # what a reader parses back
        if page.next_offset is None:
            assert page.note("items") is not None and "more" not in str(page.note("items"))
            break
        assert f"call again with offset={page.next_offset}" in str(page.note("items"))
        assert f"{500 - page.end} more" in str(page.note("items"))
        offset = page.next_offset
    assert seen == items
    assert take_page(items, 0, 1000, len, budget=10**9).note("items") is None  # all in one: nothing to say
    assert take_page(["x" * 50_000], 0, 10, len, budget=100).items == ["x" * 50_000]  # never empty


def test_a_long_diff_keeps_its_first_hunks_and_counts() -> None:
    hunks = [f"@@ -{n},3 +{n},3 @@\n-old {n}\n+new {n}\n context\n" for n in range(1, 2000, 10)]
    diff = "--- a/src/lib.rs\n+++ b/src/lib.rs\n" + "".join(hunks)
    summary = file_diff("src/lib.rs", "edit", diff)
    assert (summary.added, summary.removed) == (200, 200)
    assert summary.diff.startswith("--- a/src/lib.rs") and summary.diff.endswith(" context\n")
    assert len(summary.diff) <= budgets.DIFF_FILE_BUDGET and summary.omitted_lines > 0
    assert summary.diff.count("\n") + summary.omitted_lines == diff.count("\n")
