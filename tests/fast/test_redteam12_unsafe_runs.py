"""Twelfth red team: the unsafe audit still looked, for each site, at every line of the comment
and attribute run above it (`safety_comment`, `safety_doc`) and at every document symbol of its
level before the one holding it (`_symbol_path`): quadratic in the sites. 20,000 `#[inline] unsafe
fn` lines (a 700 KB file) held the audit's thread, and the GIL the event loop needs, for minutes.
Now the runs are found in one pass and symbols by bisection; the answers are the old loops'."""

from __future__ import annotations

import random
import re
import time

from lsprotocol import types as lsp

from ra_mcp.tools.unsafe_sites import Source, sites_in

SAFETY_COMMENT = re.compile(r"safety\s*:", re.IGNORECASE)
SAFETY_DOC = re.compile(r"^\s*(?:///|//!)\s*#+\s*safety\b", re.IGNORECASE | re.MULTILINE)


def _old_comment(lines: list[str], line: int, column: int) -> str | None:
    before = lines[line][:column]
    if "//" in before and SAFETY_COMMENT.search(before.split("//", 1)[1]):
        return before.split("//", 1)[1].strip()
    comments: list[str] = []
    for number in range(line - 1, -1, -1):
        stripped = lines[number].strip()
        if stripped.startswith("//"):
            comments.append(stripped.lstrip("/").strip())
        elif not (stripped.startswith("#[") or stripped.startswith("*") or stripped.startswith("/*")):
            break
    return next((text for text in reversed(comments) if SAFETY_COMMENT.search(text)), None)


def _old_doc(lines: list[str], line: int) -> bool:
    docs = []
    for number in range(line - 1, -1, -1):
        stripped = lines[number].strip()
        if not (stripped.startswith("///") or stripped.startswith("#[")):
            break
        docs.append(stripped)
    return bool(SAFETY_DOC.search("\n".join(reversed(docs))))


def _symbol(name: str, start: tuple[int, int], end: tuple[int, int]) -> lsp.DocumentSymbol:
    where = lsp.Range(
        start=lsp.Position(line=start[0], character=start[1]), end=lsp.Position(line=end[0], character=end[1])
    )
    return lsp.DocumentSymbol(name=name, kind=lsp.SymbolKind.Function, range=where, selection_range=where)


def test_many_unsafe_items_under_one_attribute_run_are_found_in_linear_time() -> None:
    count = 20_000
    text = "// SAFETY: the first comment\n" + "".join(
        f"#[inline] unsafe fn f{i}() {{}}\n" for i in range(count)
    )
    tokens = [(line, 10, 6, "keyword", {"unsafe"}) for line in range(1, count + 1)]
    lines = text.split("\n")
    symbols = [_symbol(f"f{i}", (i + 1, 0), (i + 1, len(lines[i + 1]))) for i in range(count)]
    started = time.monotonic()
    sites = sites_in(Source(text), tokens, symbols)
    took = time.monotonic() - started
    assert len(sites) == count and took < 5, f"{took:.1f} s"  # 190 s before
    assert sites[-1].item == f"f{count - 1}" and sites[-1].enclosing is None
    assert sites[-1].safety_comment == "SAFETY: the first comment" and not sites[-1].documented


def test_the_one_pass_answers_as_the_walk_up_from_each_site_did() -> None:
    chosen = random.Random(12)
    kinds = [
        "// SAFETY: ok",
        "/// # Safety",
        "#[inline]",
        "* x",
        "/* c",
        "let a = 1;",
        "",
        "// note",
        "//! # Safety",
    ]
    for _ in range(300):
        lines = [
            chosen.choice(kinds) + chosen.choice(["", " unsafe {}", " // safety: here"]) for _ in range(12)
        ]
        source = Source("\n".join(lines))
        for line in range(len(lines)):
            column = chosen.randrange(0, len(lines[line]) + 1)
            assert source.safety_comment(line, column) == _old_comment(lines, line, column)
            assert source.safety_doc(line) == _old_doc(lines, line)


def test_symbols_found_by_bisection_are_those_the_scan_found() -> None:
    text = "fn a(){}unsafe{}\nimpl S {\n    unsafe fn c() {}\n}\n"
    outer = _symbol("S", (1, 0), (3, 1))
    outer.children = [_symbol("c", (2, 0), (2, 20))]
    symbols = [_symbol("a", (0, 0), (0, 8)), _symbol("b", (0, 8), (0, 16)), outer]
    sites = sites_in(
        Source(text), [(0, 8, 6, "keyword", {"unsafe"}), (2, 4, 6, "keyword", {"unsafe"})], symbols
    )
    # where `a` ends and `b` starts, the first in the list holds it, as the scan found; nested: the path
    assert [(s.item, s.enclosing) for s in sites] == [(None, "a"), ("c", "S")]
