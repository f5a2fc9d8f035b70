"""What a field test on futures-rs found, on a crate shaped like futures-util: generic items re-exported
through two `mod.rs` files.

- hover on a generic item says nothing rust-analyzer only guessed: 1.96 lists every notable trait
  (Future, Iterator, Read, Write) for a struct that implements none, its parameters being unknown;
- symbols by name list the item before the `pub use` lines that re-export it (raw rust-analyzer
  listed `shared.rs` first; ordered by path, `mod.rs` came first)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from ra_mcp.models import HoverResult, LocationList

LIB = """//! Re-exports and generic items, as futures-util has them.
pub mod inner;
pub use self::inner::{Pair, Single};

/// Joins two values.
pub fn join<A, B>(a: A, b: B) -> Pair<A, B> {
    Pair(a, b)
}
"""
INNER = "mod pair;\npub use self::pair::{Pair, Single};\n"
PAIR = """/// Two values.
pub struct Pair<A, B>(pub A, pub B);

/// One value.
pub struct Single<T>(pub T);

impl<T: Iterator> Iterator for Single<T> {
    type Item = T::Item;
    fn next(&mut self) -> Option<T::Item> {
        self.0.next()
    }
}
"""


COMPAT_TEST = """#![cfg(feature = "compat")]

use generic_items::Pair;

#[test]
fn pairs() {
    let _ = Pair(1, 2);
}
"""


def _crate(root: Path) -> Path:
    crate = root / "generic_items"
    (crate / "src" / "inner").mkdir(parents=True, exist_ok=True)
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "generic_items"\nversion = "0.1.0"\nedition = "2021"\n\n[features]\ncompat = []\n'
    )
    (crate / "src" / "lib.rs").write_text(LIB)
    (crate / "src" / "inner" / "mod.rs").write_text(INNER)
    (crate / "src" / "inner" / "pair.rs").write_text(PAIR)
    (crate / "tests").mkdir(exist_ok=True)
    (crate / "tests" / "compat.rs").write_text(COMPAT_TEST)
    return crate


@pytest.mark.real
@pytest.mark.anyio
async def test_hover_and_symbols_of_generic_re_exported_items(ra: Client, scratch: Path) -> None:
    crate = _crate(scratch)
    pair = str(crate / "src" / "inner" / "pair.rs")
    lib = str(crate / "src" / "lib.rs")
    for path, line, column, signature in (
        (lib, 6, 8, "pub fn join<A, B>(a: A, b: B) -> Pair<A, B>"),
        (pair, 2, 12, "pub struct Pair<A, B>(pub A, pub B)"),
        (pair, 5, 12, "pub struct Single<T>(pub T)"),
    ):
        result = await ra.call_tool(
            "rust_analyzer_hover",
            {"file_path": path, "line": line, "column": column, "workspace": str(crate)},
        )
        hover = HoverResult.model_validate(result.structured_content)
        assert hover.found and signature in hover.markdown, hover
        assert "{unknown}" not in hover.markdown and "`Read`" not in hover.markdown, hover.markdown
        assert hover.markdown.rstrip().endswith(("Joins two values.", "Two values.", "One value.")), hover

    result = await ra.call_tool("rust_analyzer_workspace_symbol", {"query": "Pair", "workspace": str(crate)})
    found = LocationList.model_validate(result.structured_content)
    assert [(place.path, place.line) for place in found.locations] == [
        ("src/inner/pair.rs", 2),  # the struct
        ("src/inner/mod.rs", 2),  # then its re-exports, by path
        ("src/lib.rs", 3),
    ], found.locations

    # in the inactive test: nothing found, and the reason said
    compat = {
        "file_path": str(crate / "tests" / "compat.rs"),
        "line": 7,
        "column": 13,
        "workspace": str(crate),
    }
    result = await ra.call_tool("rust_analyzer_hover", compat)
    hover = HoverResult.model_validate(result.structured_content)
    assert not hover.found and 'feature = "compat" is disabled' in str(hover.note), hover
    result = await ra.call_tool("rust_analyzer_definition", compat)
    places = LocationList.model_validate(result.structured_content)
    assert places.total == 0 and 'inactive due to #[cfg] directives: feature = "compat"' in str(
        places.note
    ), places
