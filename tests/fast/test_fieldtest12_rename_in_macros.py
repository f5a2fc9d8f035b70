"""What a rename leaves in `macro_rules!` bodies (field test 12, rayon-core 1.12.1): renaming
`ThreadPool::install` left 7 code lines naming `install`, every one a `pool.install(..)` inside a test
macro's body, which rust-analyzer never renames; the note offered only causes that did not apply
(files in no crate, a crate-level #![cfg], proc macros)."""

from __future__ import annotations

from ra_mcp.tools.unrenamed import Leftovers, left_note, macro_body_lines
from rust_mcp.core.lexing import code_mask

SPAWN_TEST = """fn plain(pool: &ThreadPool) {
    pool.install(|| ());
}

macro_rules! test_order {
    ($outer_spawn:ident, $inner_spawn:ident) => {{
        let pool = builder.build().unwrap();
        pool.install(move || {
            let text = "}}}";  // a string's brackets are not the body's
        })
    }};
}

fn after() {}
"""


def test_the_lines_of_a_macro_rules_body() -> None:
    assert macro_body_lines(code_mask(SPAWN_TEST)) == set(range(5, 13))
    assert macro_body_lines(code_mask("fn f() { x.install() }\n")) == set()


def test_the_note_says_how_many_left_lines_are_in_macro_bodies() -> None:
    every = left_note("install", Leftovers(places=["src/spawn/test.rs:156"], count=1, in_macros=1))
    assert every is not None and "(all in macro_rules! bodies, which rust-analyzer does not rename)" in every
    some = left_note("install", Leftovers(places=["a.rs:1", "b.rs:8"], count=2, in_macros=1))
    assert some is not None and "(1 in macro_rules! bodies" in some
    assert (
        "macro_rules" not in (left_note("install", Leftovers(places=["a.rs:1"], count=1)) or "").split(".")[0]
    )
