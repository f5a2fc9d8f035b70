"""The one plural rule and the text cutters of rust_mcp.core, as answers print them."""

from __future__ import annotations

from rust_mcp.core.clipping import clip_end, clip_middle, keep_start
from rust_mcp.core.counts import plural


def test_plural_adds_s_or_takes_the_given_plural() -> None:
    assert [plural(n, "error") for n in (0, 1, 2)] == ["0 errors", "1 error", "2 errors"]
    assert plural(1, "miss", "misses") == "1 miss"
    assert plural(3, "miss", "misses") == "3 misses"
    assert plural(2, "custom-build", "build scripts") == "2 build scripts"


def test_keep_start_counts_what_it_cut() -> None:
    assert keep_start("abcdef", 6) == "abcdef"
    assert keep_start("abcdefgh", 3) == "abc\n[... 5 more characters]"


def test_clip_end_keeps_its_marker_within_about_the_limit() -> None:
    text = "x" * 100
    assert clip_end(text, 100) == text
    assert clip_end(text, 50) == "x" * 10 + "\n[... 90 more characters]"


def test_clip_middle_keeps_head_and_tail() -> None:
    text = "head" + "-" * 200 + "tail"
    clipped, cut = clip_middle(text, 100)
    assert cut and clipped.startswith("head") and clipped.endswith("tail") and len(clipped) <= 100
    assert "characters cut; the full text is in the log" in clipped
