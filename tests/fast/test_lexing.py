"""Fast tier: the one Rust lexer. `code_mask` blanks comments, strings and char literals (keeping
length and newlines) so names, braces and keywords are found only where they are code."""

from __future__ import annotations

import pytest

from rust_mcp.core.lexing import code_mask

# (source, the words that must survive as code, the words that must be blanked)
CASES = [
    ("let x = 1; // x is one", ["let x = 1;"], ["is one"]),
    ('call("name", name)', ["call(", ", name)"], ['"name"']),
    (r'let s = "a \" b"; next', ["let s =", "; next"], [r"a \" b"]),
    ("let c = 'x'; let d = '\\''; done", ["let c =", "done"], ["'x'"]),
    ("fn f<'a>(x: &'a str) -> &'a str { x }", ["fn f<'a>(x: &'a str) -> &'a str { x }"], []),
    ("a /* b /* nested */ still */ c", ["a ", " c"], ["nested", "still"]),
    ('let r = r#"has "quotes" and // slashes"#; after', ["let r = r", "; after"], ["quotes", "slashes"]),
    ('let b = br"bytes"; after', ["let b = b", "; after"], ["bytes"]),
    ("let y = 2; /* open\nstill comment */ z", ["let y = 2;", " z"], ["open", "still comment"]),
    ('ptr = other_r"x"', ["ptr = other_r"], []),
]


@pytest.mark.parametrize(("source", "kept", "blanked"), CASES)
def test_code_mask(source: str, kept: list[str], blanked: list[str]) -> None:
    masked = code_mask(source)
    assert len(masked) == len(source)
    assert [i for i, c in enumerate(masked) if c == "\n"] == [i for i, c in enumerate(source) if c == "\n"]
    for word in kept:
        assert word in masked, (word, masked)
    for word in blanked:
        assert word not in masked, (word, masked)


def test_an_unterminated_string_blanks_to_the_end() -> None:
    assert code_mask('f("never closed') == 'f("' + " " * len("never closed")


def test_a_name_inside_a_string_is_not_found_as_code() -> None:
    line = 'println!("{}", distance(a, b)); // distance again'
    masked = code_mask(line)
    assert masked.count("distance") == 1 and masked.index("distance") == line.index("distance")
