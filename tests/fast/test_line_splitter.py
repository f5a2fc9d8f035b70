"""The line splitter every child's output goes through: one pass over the bytes whatever the output,
a line over the limit cut and counted, never accumulated (fast tier: no process)."""

from __future__ import annotations

from cargo_mcp.parse.text_reports import LibtestReport
from rust_mcp.core.line_splitter import LineSplitter
from rust_mcp.core.runner import TailBuffer

CHUNK = 64 * 1024


def test_a_huge_line_without_newline_is_scanned_once_and_cut() -> None:
    limit = 1024 * 1024
    splitter = LineSplitter(limit)
    chunk = b"y" * CHUNK
    chunks = 3200  # 200 MiB without a newline
    delivered: list[bytes] = []
    for _ in range(chunks):
        delivered += splitter.feed(chunk)
        # memory stays bounded: never more than the limit kept for the line
        assert len(splitter._pending) <= limit
    delivered += splitter.feed(b"tail\nnext line\n")
    delivered += splitter.finish()
    total = chunks * CHUNK
    # each byte searched for a line end once (the old code searched the kept part again per chunk)
    assert splitter.scanned == total + len(b"tail\nnext line\n")
    assert delivered == [b"y" * limit, b"next line"]
    assert splitter.cut_lines == 1
    assert splitter.cut_bytes == total - limit + len(b"tail")


def test_lines_are_split_across_chunks_and_carriage_returns() -> None:
    splitter = LineSplitter(16, split_carriage_returns=True)
    got: list[bytes] = []
    for chunk in (b"ab", b"c\nde", b"f\r", b"\n", b"0123456789abcdefXYZ\nlast"):
        got += splitter.feed(chunk)
    got += splitter.finish()
    assert got == [b"abc", b"def", b"", b"0123456789abcdef", b"last"]
    assert (splitter.cut_lines, splitter.cut_bytes) == (1, 3)
    # a line exactly at the limit is whole, not cut
    exact = LineSplitter(4)
    assert exact.feed(b"abcd") == [] and exact.feed(b"\n") == [b"abcd"] and exact.cut_lines == 0


def test_the_kept_text_of_a_huge_line_is_bounded_and_marked() -> None:
    buffer = TailBuffer(12_000)
    buffer.add("x" * 5_000_000)
    buffer.add("done")
    text, cut = buffer.text()
    assert cut and len(text) <= 12_000 and text.rstrip().endswith("done")
    assert sum(len(part) for part in buffer.tail) <= buffer.tail_limit  # not the 5 MB line


def test_a_failing_tests_output_is_kept_bounded_with_its_end() -> None:
    report = LibtestReport()
    report.feed("---- floods stdout ----")
    for n in range(200_000):
        report.feed(f"noise line {n}")
    report.feed("thread 'floods' panicked at src/lib.rs:3:5:")
    report.feed("failures:")
    report.feed("test floods ... FAILED")
    kept = report._captured["floods"]
    assert kept.head_size + kept.tail_size <= 8 * report.output_limit
    failure = report.finish().failures[0]
    assert failure.name == "floods" and "noise line 0" in failure.output
