"""The regex corpus (regex 1.13.2 over regex-syntax 0.8.12 and regex-automata 0.4.19, from crates.io),
the fourth field test's workspace, driven over MCP stdio as a new user's model drives it, checked
against ground truth computed apart from our code (cargo's own JSON, a raw rust-analyzer, the
source)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import pytest

from rust_mcp.dev.corpus import REGEX
from tests.support import text_of
from tests.support.corpus_support import CorpusSession, check_every_answer_fits, corpus_session, run_cargo

pytestmark = [pytest.mark.anyio, pytest.mark.real, pytest.mark.corpus]


@pytest.fixture(scope="module")
async def session(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[CorpusSession]:
    async with corpus_session(REGEX, tmp_path_factory.mktemp("corpus")) as opened:
        yield opened


async def test_a_long_lint_list_names_the_codes_cargo_counts(session: CorpusSession) -> None:
    """regex-syntax's 700 clippy warnings come in pages; the first names the most frequent codes
    with cargo's own counts, in counts.by_code and in its hint."""
    truth = await run_cargo(
        session.root,
        ["clippy", "-p", "regex-syntax", "--message-format=json", "--target-dir", "target/truth"],
    )
    codes = Counter(m["code"] for m in truth.messages if m["level"] == "warning" and m["code"])
    assert truth.exit_code == 0 and sum(codes.values()) > 100, truth.stderr[-2000:]
    result, body = await session.cargo_call("cargo_clippy", {"path": "regex", "package": "regex-syntax"})
    assert not result.is_error, text_of(result)
    counts = body["counts"]
    assert counts["warnings"] == truth.count("warning") and counts["shown"] < counts["total"], counts
    assert counts["by_code"] and all(codes[code] == n for code, n in counts["by_code"].items()), counts
    top, top_count = codes.most_common(1)[0]
    assert f"{top} {top_count}" in " ".join(body["hints"]), body["hints"]


async def test_references_across_crates_match_rust_analyzer(session: CorpusSession) -> None:
    """`regex_syntax::ParserBuilder`, used by regex-automata: every reference raw rust-analyzer finds."""
    parser = session.root / "regex-syntax/src/parser.rs"
    line = parser.read_text().split("\n").index("pub struct ParserBuilder {") + 1
    native = await session.raw.references(parser, line - 1, 11)
    assert any("regex-automata" in str(path) for path, _, _ in native), native
    arguments = {"symbol": "regex_syntax::ParserBuilder", "workspace": "regex", "limit": 1000}
    result, body = await session.ra_call("rust_analyzer_references", arguments)
    assert not result.is_error, text_of(result)
    assert body["total"] == len(native), (body["total"], len(native))


async def test_the_public_path_of_an_item_names_it(session: CorpusSession) -> None:
    """`regex::Regex` and `regex::Regex::is_match`, as a user of the crate writes them, were refused
    as ambiguous (5 matches each, three in regex_automata, whose modules `dfa::regex`, `hybrid::regex`
    and `meta::regex` fit the qualifier `regex` too): regex's `Regex` is `regex::regex::string::Regex`,
    re-exported at the root by `pub use crate::{..., regex::string::*, ...};`, a glob nobody read."""
    source = (session.root / "regex/src/regex/string.rs").read_text().split("\n")
    for symbol, start in (
        ("regex::Regex", "pub struct Regex {"),
        ("regex::Regex::is_match", "pub fn is_match("),
    ):
        line = next(n for n, text in enumerate(source, 1) if text.strip().startswith(start))
        arguments = {"symbol": symbol, "workspace": "regex"}
        result, _ = await session.ra_call("rust_analyzer_definition", arguments)
        assert not result.is_error, text_of(result)
        assert f"regex/src/regex/string.rs:{line}:" in text_of(result), text_of(result)
    result, _ = await session.ra_call(
        "rust_analyzer_definition", {"symbol": "regex::bytes::Regex", "workspace": "regex"}
    )
    assert "regex/src/regex/bytes.rs:" in text_of(result), text_of(result)


def test_every_answer_fits(session: CorpusSession) -> None:
    check_every_answer_fits(session)
