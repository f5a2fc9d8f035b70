"""rust-analyzer's guessed notable traits are dropped from hovers (found on futures-util, whose
`fn join<Fut1, Fut2>` and `struct Shared<Fut>` it said implement Future, Iterator, Read and Write)."""

from __future__ import annotations

from ra_mcp.lsp.requests import without_guessed_traits

SIGNATURE = "```rust\nmini\n```\n\n```rust\npub struct Pair<A, B>(pub A, pub B)\n```"
GUESSED = (
    "Implements notable traits: `Future<Output = <Pair<{unknown}, {unknown}> as Future>::Output>`, "
    "`Iterator<Item = <Pair<{unknown}, {unknown}> as Iterator>::Item>`, `Read`, `Write`"
)
KNOWN = "Implements notable traits: `Iterator<Item = u32>`"


def test_a_section_resting_on_unknown_types_is_dropped_and_the_rest_kept() -> None:
    hover = f"{SIGNATURE}\n\n---\n\n{GUESSED}\n\n---\n\ntype param may need Drop\n\n---\n\nTwo values."
    assert without_guessed_traits(hover) == (
        f"{SIGNATURE}\n\n---\n\ntype param may need Drop\n\n---\n\nTwo values."
    )


def test_a_section_about_known_types_and_other_unknowns_are_kept() -> None:
    for hover in (
        f"{SIGNATURE}\n\n---\n\n{KNOWN}\n\n---\n\nDocs.",
        "```rust\nlet x: {unknown}\n```\n\n---\n\nno Drop",  # the type itself: rust-analyzer's word
        SIGNATURE,
    ):
        assert without_guessed_traits(hover) == hover
