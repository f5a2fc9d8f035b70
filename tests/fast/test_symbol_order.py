"""Symbols found by name: exact names first, and of one name the item before its re-exports (found on
futures-util, where `Shared` came first from the `pub use` lines of two mod.rs files)."""

from __future__ import annotations

from lsprotocol import types as lsp

from ra_mcp.lsp.answers import Symbol
from ra_mcp.lsp.settings import initialization_options
from ra_mcp.tools.symbol_order import exact_names_first, is_use_line, search_cut_note
from rust_mcp.core import budgets

LINES = {
    "file:///w/src/future/mod.rs": {35: "pub use self::future::{Shared, WeakShared};"},
    "file:///w/src/future/future/mod.rs": {117: "    pub(crate) use self::shared::{Shared, WeakShared};"},
    "file:///w/src/future/future/shared.rs": {
        29: "pub struct Shared<Fut: Future> {",
        45: "pub struct WeakShared;",
    },
    "file:///w/src/stream/unordered.rs": {52: "struct SharedPollState {"},
}


class Lines:
    def __init__(self) -> None:
        self.read: list[tuple[str, int]] = []

    def line_text(self, uri: str, line: int) -> str:
        self.read.append((uri, line))
        return LINES[uri][line]


def _symbol(name: str, uri: str, line: int) -> Symbol:
    place = lsp.Range(
        start=lsp.Position(line=line - 1, character=0), end=lsp.Position(line=line - 1, character=1)
    )
    return Symbol(name, lsp.SymbolKind.Struct, None, uri, place)


def test_of_one_name_the_definition_comes_before_its_re_exports() -> None:
    found = [
        _symbol("SharedPollState", "file:///w/src/stream/unordered.rs", 52),
        _symbol("Shared", "file:///w/src/future/future/mod.rs", 117),
        _symbol("WeakShared", "file:///w/src/future/future/shared.rs", 45),
        _symbol("Shared", "file:///w/src/future/mod.rs", 35),
        _symbol("Shared", "file:///w/src/future/future/shared.rs", 29),
    ]
    lines = Lines()
    ordered = [(s.name, s.uri.rsplit("/w/", 1)[1]) for s in exact_names_first(found, "Shared", lines)]
    assert ordered == [
        ("Shared", "src/future/future/shared.rs"),  # the struct itself
        ("Shared", "src/future/future/mod.rs"),  # then its re-exports, by path
        ("Shared", "src/future/mod.rs"),
        ("SharedPollState", "src/stream/unordered.rs"),
        ("WeakShared", "src/future/future/shared.rs"),
    ]
    # names listed once are never read
    assert {uri for uri, _ in lines.read} == {s.uri for s in found if s.name == "Shared"}


def test_use_lines() -> None:
    for text in ("use a::B;", "pub use a::B;", "  pub(crate) use a::{B, C};", "pub(in crate::x) use a::B;"):
        assert is_use_line(text), text
    for text in ("pub struct User;", "fn used() {}", "pub fn use_it() {}", "// use a::B;", "user::B"):
        assert not is_use_line(text), text


def test_an_answer_at_rust_analyzers_search_limit_says_the_total_is_a_floor() -> None:
    """futures-util: `poll` matches 599 workspace symbols (raw rust-analyzer with a limit of 1024);
    ours asks for at most 256, and answered "248 found", paging through those as if they were all
    (field test 10). At the limit the note says there may be more, and how to narrow the query."""
    limit = budgets.SYMBOL_SEARCH_LIMIT
    assert search_cut_note(limit - 1, limit - 1) is None
    note = search_cut_note(limit, 248)
    assert note is not None and f"at most {limit}" in note and "more than 248" in note
    assert initialization_options_limit() == limit


def initialization_options_limit() -> int:
    options = initialization_options("/w/target")
    return int(options["workspace"]["symbol"]["search"]["limit"])
