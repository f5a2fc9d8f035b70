"""The ripgrep corpus (a 9-crate workspace from crates.io: generics, re-exports, macros, build scripts):
every tool of both servers, through real MCP clients, against ground truth computed apart from our
code (cargo's own JSON, a raw rust-analyzer, the source text). One copy and one warm server pair for
the module; read-only calls first, then the tree is checked with git, then the calls that write."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from rust_mcp.dev.corpus import RIPGREP
from tests.support.corpus_builds import check_builds, check_dependency_changes
from tests.support.corpus_cargo import (
    check_lint_run,
    check_project_tools,
)
from tests.support.corpus_checks import Item
from tests.support.corpus_diagnostics import check_injected_error, check_unsafe_audit
from tests.support.corpus_support import CorpusSession, check_every_answer_fits, corpus_session
from tests.support.corpus_tour import Tour, check_items, check_tour, check_tree_unchanged, checking

pytestmark = [pytest.mark.anyio, pytest.mark.corpus]

# lints that make the other crates say 150+ things under plain `cargo check` (rg, the crate with the
# injected error, loses its own late lints to the error); clippy pedantic adds 780+ more
NOISE = (
    "-W unused_results -W elided_lifetimes_in_paths -W unused_qualifications "
    "-W missing_debug_implementations -W single_use_lifetimes -W missing_copy_implementations "
    "-W unsafe_code -W unreachable_pub "
    "-W let_underscore_drop -W unnameable_types -W rust_2024_compatibility -W variant_size_differences"
)
SEARCHER = "grep-searcher/src/searcher/mod.rs"
ITEMS = [
    Item("grep_searcher::Searcher", SEARCHER, r"^pub struct Searcher \{", implementations=True),
    Item("grep::searcher::Searcher", SEARCHER, r"^pub struct Searcher \{"),
    Item("Searcher::search_path", SEARCHER, r"pub fn search_path<"),
    Item("grep_searcher::Searcher::search_path", SEARCHER, r"pub fn search_path<"),
    Item("grep_searcher::SearcherBuilder::build", SEARCHER, r"pub fn build\(&self\) -> Searcher"),
    Item("SearchWorker::search", "ripgrep/crates/core/search.rs", r"pub\(crate\) fn search\("),
    Item("rg::search::SearchWorker::search", "ripgrep/crates/core/search.rs", r"pub\(crate\) fn search\("),
    Item("ignore::walk::WalkBuilder", "ignore/src/walk.rs", r"^pub struct WalkBuilder \{"),
    Item("ignore::WalkBuilder", "ignore/src/walk.rs", r"^pub struct WalkBuilder \{"),
    Item("WalkBuilder::build_parallel", "ignore/src/walk.rs", r"pub fn build_parallel\("),
    Item("ignore::overrides::OverrideBuilder", "ignore/src/overrides.rs", r"^pub struct OverrideBuilder"),
    Item("ignore::types::TypesBuilder::add_defaults", "ignore/src/types.rs", r"pub fn add_defaults\("),
    Item(
        "grep_printer::Standard::new", "grep-printer/src/standard.rs", r"pub fn new\(wtr: W\) -> Standard<W>"
    ),
    Item(
        "grep::printer::Standard::new", "grep-printer/src/standard.rs", r"pub fn new\(wtr: W\) -> Standard<W>"
    ),
    Item("JSON::sink_with_path", "grep-printer/src/json.rs", r"pub fn sink_with_path<"),
    Item("grep_printer::Summary::new", "grep-printer/src/summary.rs", r"pub fn new\(wtr: W\) -> Summary<W>"),
    Item("grep_matcher::Matcher", "grep-matcher/src/lib.rs", r"^pub trait Matcher \{", implementations=True),
    Item("Matcher::find_at", "grep-matcher/src/lib.rs", r"fn find_at\(", after=r"^pub trait Matcher \{"),
    Item(
        "grep_regex::RegexMatcher::find_at",
        "grep-regex/src/matcher.rs",
        r"fn find_at\(",
        after=r"^impl Matcher for RegexMatcher",
    ),
    Item("grep_searcher::Sink", "grep-searcher/src/sink.rs", r"^pub trait Sink \{", implementations=True),
    Item("grep::searcher::sinks::UTF8", "grep-searcher/src/sink.rs", r"pub struct UTF8<F>"),
    Item(
        "globset::GlobSetBuilder::build",
        "globset/src/lib.rs",
        r"pub fn build\(&self\) -> Result<GlobSet, Error>",
    ),
    Item("globset::Glob::new", "globset/src/glob.rs", r"pub fn new\(glob: &str\)"),
    Item("grep_cli::is_tty_stdout", "grep-cli/src/lib.rs", r"^pub fn is_tty_stdout\("),
]


TOUR = Tour(
    outline=SEARCHER,
    binding=("grep-searcher/examples/search-stdin.rs", r"let matcher = RegexMatcher::new", "matcher"),
    function=("globset/src/glob.rs", r"pub fn new\(glob: &str\)", "new"),
    macro=("ripgrep/crates/core/main.rs", r'eprintln_locked!\("\{:#\}", err\)', "eprintln_locked"),
    ssr_rule="grep_matcher::Match::new($a, $b) ==>> grep_matcher::Match::new($b, $a)",
    ssr_context="grep-printer/src/lib.rs",
    rename=Item("grep_matcher::Match::start", "grep-matcher/src/lib.rs", r"pub fn start\(&self\) -> usize"),
    format_file="grep-printer/src/color.rs",
    member="grep-cli",
)


@pytest.fixture(scope="module")
async def session(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[CorpusSession]:
    async with corpus_session(RIPGREP, tmp_path_factory.mktemp("corpus"), rustflags=NOISE) as opened:
        yield opened


async def test_items_by_name_definitions_references_hover_implementations(session: CorpusSession) -> None:
    await check_items(session, ITEMS)


async def test_outline_positions_and_previews(session: CorpusSession) -> None:
    await check_tour(session, TOUR)


async def test_unsafe_audit_against_the_source(session: CorpusSession) -> None:
    with checking(session) as checker:
        await check_unsafe_audit(session, checker, package="grep-searcher")


async def test_project_tools_against_cargo(session: CorpusSession) -> None:
    with checking(session) as checker:
        await check_project_tools(
            session, checker, package="grep-searcher", directory="grep-searcher", fmt={"workspace": True}
        )


async def test_read_only_calls_left_the_tree_as_it_was(session: CorpusSession) -> None:
    await check_tree_unchanged(session)


async def test_an_injected_error_among_hundreds_of_warnings(session: CorpusSession) -> None:
    with checking(session) as checker:
        await check_injected_error(
            session, checker, "ripgrep/crates/core/main.rs", package="ripgrep", noise=NOISE, at_least=150
        )


async def test_clippy_pedantic_against_cargo(session: CorpusSession) -> None:
    with checking(session) as checker:
        # grep-printer (where clippy denies one thing: an error) is built last: cargo stops at a failing
        # crate without --keep-going, so a workspace-wide run would list a timing-dependent set
        await check_lint_run(session, checker, ["clippy::pedantic"], noise=NOISE, package="grep-printer")


async def test_builds_tests_benches_and_runs_against_cargo(session: CorpusSession) -> None:
    with checking(session) as checker:
        await check_builds(
            session,
            checker,
            package="grep-matcher",
            run=("grep-searcher", "search-stdin", ["needle"]),
        )


async def test_dependency_changes_and_fixes_against_cargo_and_git(session: CorpusSession) -> None:
    with checking(session) as checker:
        await check_dependency_changes(
            session, checker, package="grep-cli", member="grep-cli", fix_member="grep-matcher"
        )


async def test_every_answer_fits(session: CorpusSession) -> None:
    """Last: every answer the tests above got within 8 KiB of text and 10 KiB of JSON, and no list
    cut without a note (issue 22)."""
    check_every_answer_fits(session)
