"""The clap corpus (clap 4.5.41 with clap_builder, clap_derive and clap_lex from crates.io), the field
test's workspace: a facade crate that re-exports its builder with `pub use clap_builder::*;`, a proc
macro, a virtual workspace root. What a new user asked of both servers there and got wrong, each
checked against ground truth computed apart from our code (a raw rust-analyzer, cargo itself)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import anyio
import pytest

from rust_mcp.dev.corpus import CLAP
from tests.support import text_of
from tests.support.corpus_checks import Item, check_item
from tests.support.corpus_support import Checker, CorpusSession, check_every_answer_fits, corpus_session

pytestmark = [pytest.mark.anyio, pytest.mark.corpus]

COMMAND = "clap_builder/src/builder/command.rs"
# a user of clap writes `clap::Command`: the facade's glob re-export of clap_builder's root
ITEMS = [
    Item("clap::Command", COMMAND, r"^pub struct Command \{"),
    Item("clap::ArgMatches", "clap_builder/src/parser/matches/arg_matches.rs", r"^pub struct ArgMatches \{"),
    Item("Command::get_matches", COMMAND, r"pub fn get_matches\(self\)"),
    Item("clap_lex::RawArgs", "clap_lex/src/lib.rs", r"^pub struct RawArgs \{"),
]


@pytest.fixture(scope="module")
async def session(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[CorpusSession]:
    async with corpus_session(CLAP, tmp_path_factory.mktemp("corpus")) as opened:
        yield opened


async def test_facade_paths_name_the_builders_items(session: CorpusSession) -> None:
    """`clap::Command` was refused ("no symbol named `clap::Command`"): the facade's
    `pub use clap_builder::*;` was not a path the item is known by."""
    checker = Checker(session.name)
    for item in ITEMS:
        await check_item(session, checker, item)
    checker.finish()


async def test_an_unknown_path_suggests_the_items_of_that_name_first(session: CorpusSession) -> None:
    """The refusal's "similar names" were the first 12 in alphabetical order (`&&&&&&_infer_...`,
    `AnyValueParser`, ...) and left out the trait `Parser` itself."""
    arguments = {"symbol": "no_such_crate::Parser", "workspace": str(session.root)}
    result, _ = await session.ra_call("rust_analyzer_implementations", arguments)
    text = text_of(result)
    assert result.is_error, text
    similar = re.search(r"similar names: (.*)", text)
    assert similar is not None, text
    first = similar.group(1).split(", ")[0]
    assert first.split("::")[-1] == "Parser", text


async def test_fmt_check_at_the_virtual_root_checks_every_member(session: CorpusSession) -> None:
    """cargo_fmt_check at the workspace root failed ("Failed to find targets": cargo fmt
    --manifest-path at a virtual manifest); cargo fmt --check run in that directory checks every
    member. The files it names are the files we name."""
    truth = await anyio.run_process(["cargo", "fmt", "--check"], cwd=session.root, check=False)
    truth_files = set(re.findall(r"^Diff in (\S+?):\d+:", truth.stdout.decode(), re.MULTILINE))
    result, body = await session.cargo_call("cargo_fmt_check", {"path": str(session.root)})
    assert "did not check" not in body["summary"], text_of(result)[-3000:]
    assert truth_files, truth.stderr.decode()[-2000:]
    ours = {str(session.root / issue["file"]) for issue in body.get("format_issues") or []}
    assert truth_files == ours, (sorted(truth_files - ours)[:5], sorted(ours - truth_files)[:5])


async def test_every_answer_fits(session: CorpusSession) -> None:
    check_every_answer_fits(session)
