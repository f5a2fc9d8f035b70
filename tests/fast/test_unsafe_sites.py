"""Fast tier: the unsafe sites of one file from its text and rust-analyzer's semantic tokens. The
tokens here are the ones rust-analyzer sends for such a file (it highlights the examples in doc
comments too, `unsafe` keyword and all), written out by hand: no process."""

from __future__ import annotations

from ra_mcp.tools.unsafe_sites import Source, sites_in

TEXT = """/// Builds one.
///
/// ```
/// let v = unsafe { from_raw(p) };
/// ```
pub fn build() -> u32 {
    // SAFETY: the pointer is valid
    unsafe { read(P) }
}
"""


def _keyword_token(line: int) -> tuple[int, int, int, str, set[str]]:
    column = TEXT.split("\n")[line].index("unsafe")
    return (line, column, len("unsafe"), "keyword", {"unsafe"})


def test_an_unsafe_block_in_a_doc_comment_example_is_not_a_site_of_the_crate() -> None:
    """smallvec 1.16.6 has 57 `unsafe {` in src/lib.rs, 2 of them in doctests: the audit counted 57
    blocks where the code has 55, and gave the doctests' blocks the extent of the next code block."""
    source = Source(TEXT)
    sites = sites_in(source, [_keyword_token(3), _keyword_token(7)], [])
    assert [(site.kind, site.line, site.end_line, site.documented) for site in sites] == [
        ("block", 8, 8, True)
    ]
