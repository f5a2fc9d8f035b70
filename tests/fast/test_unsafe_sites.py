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


METHOD = """impl StackJob {
    pub(super) unsafe fn as_job_ref(&self) -> u32 {
        0
    }
}
"""


def test_an_unsafe_method_without_a_doc_comment_is_named_by_its_own_name() -> None:
    """rayon-core 1.12.1's job.rs (field test 12): the audit listed `StackJob::as_job_ref` and each
    `Job::execute` as "fn impl StackJob<L, F, R>": an item's site starts at its line's first column,
    left of the indented method's symbol (whose range starts at `pub`), so only the impl held it. A
    method with a doc comment above (its symbol starting there) was named right."""
    from lsprotocol import types as lsp

    def place(line: int, column: int, end_line: int, end_column: int) -> lsp.Range:
        return lsp.Range(
            start=lsp.Position(line=line, character=column),
            end=lsp.Position(line=end_line, character=end_column),
        )

    method = lsp.DocumentSymbol(
        name="as_job_ref",
        kind=lsp.SymbolKind.Method,
        range=place(1, 4, 3, 5),
        selection_range=place(1, 25, 1, 35),
    )
    owner = lsp.DocumentSymbol(
        name="impl StackJob",
        kind=lsp.SymbolKind.Object,
        range=place(0, 0, 4, 1),
        selection_range=place(0, 5, 0, 13),
        children=[method],
    )
    column = METHOD.split("\n")[1].index("unsafe")
    sites = sites_in(Source(METHOD), [(1, column, len("unsafe"), "keyword", {"unsafe"})], [owner])
    assert [(site.kind, site.item, site.enclosing) for site in sites] == [
        ("fn", "as_job_ref", "impl StackJob")
    ]


POINTER = """pub(super) struct JobRef {
    pointer: *const (),
    execute_fn: unsafe fn(*const ()),
    callback: unsafe extern "C" fn(u8),
}

unsafe impl Send for JobRef {}
"""


def test_an_unsafe_fn_pointer_type_is_not_an_unsafe_fn() -> None:
    """rayon-core 1.12.1's job.rs (field test 12): the field `execute_fn: unsafe fn(*const ())` was
    counted as an unsafe fn (14 where the file has 13), its extent ran to the next braces, and so the
    `unsafe impl Send for JobRef {}` below was marked nested in it."""
    lines = POINTER.split("\n")
    tokens = [(n, lines[n].index("unsafe"), len("unsafe"), "keyword", {"unsafe"}) for n in (2, 3, 6)]
    sites = sites_in(Source(POINTER), tokens, [])
    assert [(site.kind, site.line, site.nested) for site in sites] == [("impl", 7, False)]
