"""The sections of rust-analyzer's hover markdown that we keep.

On a generic item (a `fn join<A, B>` or `struct Pair<A, B>` hovered where it is declared) rust-analyzer
1.96 fills the parameters with `{unknown}`, and an unknown type "implements" every notable trait: the
hover says `Implements notable traits: Future<...>, Iterator<...>, Read, Write` of a struct that
implements none (rust-lang/rust-analyzer#20552, #22348). An agent reads that as fact, so such a
section is dropped; one about a known type (a variable's hover) is kept.
"""

from __future__ import annotations

SECTION_RULE = "\n\n---\n\n"
NOTABLE_TRAITS = "Implements notable traits:"
UNKNOWN_TYPE = "{unknown}"


def without_guessed_traits(markdown: str) -> str:
    """`markdown` without a notable-traits section that rests on unknown types."""
    sections = markdown.split(SECTION_RULE)
    kept = [
        section
        for section in sections
        if not (section.lstrip().startswith(NOTABLE_TRAITS) and UNKNOWN_TYPE in section)
    ]
    return markdown if len(kept) == len(sections) else SECTION_RULE.join(kept)
