"""Eleventh red team: the unsafe audit (a read-only tool) finds each file's sites on the event loop
every session of an engine shares, and did so in quadratic time: for each site it copied the rest of
the file, matched braces from its keyword on, and compared it with every other site; each unsafe
operation was then looked up in every site. 20,000 `unsafe {}` lines (200 KB) stalled every session
85 s, 4,000 nested blocks 12 s. Now braces are matched once per file and sites nest and own
operations in one sorted sweep; the answers are those of the old loops (real texts and tokens shaped
as rust-analyzer's)."""

from __future__ import annotations

import random
import time

from ra_mcp.tools.unsafe_sites import Site, Source, innermost_each, sites_in


def _timed_sites(text: str, tokens: list[tuple[int, int, int, str, set[str]]]) -> tuple[list[Site], float]:
    source = Source(text)
    started = time.monotonic()
    return sites_in(source, tokens, []), time.monotonic() - started


def test_many_and_deeply_nested_sites_are_found_in_linear_time() -> None:
    lines = 20_000
    text = "fn f() {\n" + "unsafe { std::ptr::null::<u8>().read() };\n" * lines + "}\n"
    tokens = [
        token
        for line in range(1, lines + 1)
        for token in ((line, 0, 6, "keyword", {"unsafe"}), (line, 33, 4, "method", {"unsafe"}))
    ]
    sites, took = _timed_sites(text, tokens)
    assert len(sites) == lines and all(len(site.operations) == 1 for site in sites)
    assert not any(site.nested for site in sites) and took < 5, f"{took:.1f} s"

    depth = 4_000
    nested = "fn f() { " + "unsafe { " * depth + "}" * depth + " }\n"
    sites, took = _timed_sites(nested, [(0, 9 + 9 * i, 6, "keyword", {"unsafe"}) for i in range(depth)])
    assert [site.nested for site in sites] == [False] + [True] * (depth - 1)
    assert sites[0].end == len(nested) - 4 and took < 5, f"{took:.1f} s"


def test_the_sweep_answers_as_the_loop_over_every_site_did() -> None:
    chosen = random.Random(11)
    for _ in range(200):
        sites = []
        for _ in range(chosen.randrange(0, 12)):
            start = chosen.randrange(0, 60)
            sites.append(Site("block", start, start + chosen.randrange(0, 30), 1, 1, 1, False, None))
        offsets = [chosen.randrange(0, 100) for _ in range(20)]
        expected = []
        for offset in offsets:
            holding = [s for s in sites if s.start <= offset <= s.end]
            expected.append(max(holding, key=lambda s: s.start) if holding else None)
        assert [id(s) for s in innermost_each(sites, offsets)] == [id(s) for s in expected]
