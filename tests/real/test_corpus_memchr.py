"""The memchr corpus (memchr 2.7.4 from crates.io: SIMD and raw-pointer unsafe code in many modules,
lifetimes, `pub use` re-exports, macro_rules): every tool of both servers, through real MCP clients,
against ground truth computed apart from our code. The unsafe audit's counts are checked against the
source text and cargo clippy's own JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from rust_mcp.dev.corpus import MEMCHR
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

AVX2 = "src/arch/x86_64/avx2/memchr.rs"
TESTS = "arch::all::memchr"  # a slice of the unit tests (the test profile builds at opt-level 3)
ITEMS = [
    Item("memchr::memchr", "src/memchr.rs", r"^pub fn memchr\(needle: u8"),
    Item("memchr::memrchr", "src/memchr.rs", r"^pub fn memrchr\(needle: u8"),
    Item("memchr::memchr_iter", "src/memchr.rs", r"^pub fn memchr_iter<'h>"),
    Item("memchr::Memchr", "src/memchr.rs", r"^pub struct Memchr<'h>"),
    Item("memchr::memchr::Memchr", "src/memchr.rs", r"^pub struct Memchr<'h>"),
    Item("memchr::memmem::find", "src/memmem/mod.rs", r"^pub fn find\(haystack: &\[u8\], needle"),
    Item("memchr::memmem::Finder", "src/memmem/mod.rs", r"^pub struct Finder<'n>"),
    Item(
        "memmem::Finder::find",
        "src/memmem/mod.rs",
        r"pub fn find\(&self, haystack",
        after=r"^impl<'n> Finder<'n>",
    ),
    Item("memchr::memmem::FinderBuilder::build_forward", "src/memmem/mod.rs", r"pub fn build_forward<"),
    Item(
        "memchr::arch::x86_64::avx2::memchr::One::find_raw",
        AVX2,
        r"pub unsafe fn find_raw\(",
        after=r"^impl One \{",
    ),
    Item("avx2::memchr::One::find", AVX2, r"pub fn find\(&self", after=r"^impl One \{"),
    Item("memchr::vector::Vector", "src/vector.rs", r"^pub\(crate\) trait Vector", implementations=True),
]


TOUR = Tour(
    outline=AVX2,
    binding=("src/memmem/searcher.rs", r"let finder = twoway::Finder::new\(needle\)", "finder"),
    function=("src/memchr.rs", r"^pub fn memchr\(needle: u8", "memchr"),
    macro=("src/arch/x86_64/memchr.rs", r"unsafe_ifunc!\(", "unsafe_ifunc", r"^pub\(crate\) fn memchr_raw\("),
    ssr_rule="$h.is_empty() ==>> $h.len() == 0",
    ssr_context="src/lib.rs",
    rename=Item("memchr::memmem::Finder::find_iter", "src/memmem/mod.rs", r"pub fn find_iter<'a, 'h>"),
    format_file="src/memchr.rs",
    member="src",
)


@pytest.fixture(scope="module")
async def session(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[CorpusSession]:
    async with corpus_session(MEMCHR, tmp_path_factory.mktemp("corpus")) as opened:
        yield opened


async def test_items_by_name_definitions_references_hover_implementations(session: CorpusSession) -> None:
    await check_items(session, ITEMS)


async def test_outline_positions_and_previews(session: CorpusSession) -> None:
    await check_tour(session, TOUR)


async def test_unsafe_audit_against_the_source_and_clippy(session: CorpusSession) -> None:
    with checking(session) as checker:
        await check_unsafe_audit(session, checker)


async def test_project_tools_against_cargo(session: CorpusSession) -> None:
    with checking(session) as checker:
        await check_project_tools(session, checker, package="memchr", directory="src", fmt={})


async def test_read_only_calls_left_the_tree_as_it_was(session: CorpusSession) -> None:
    await check_tree_unchanged(session)


async def test_an_injected_error_and_clippy_against_cargo(session: CorpusSession) -> None:
    with checking(session) as checker:
        await check_injected_error(
            session, checker, "src/memmem/mod.rs", package="memchr", noise="-W unused_results", at_least=0
        )
        await check_lint_run(session, checker, ["clippy::pedantic"], noise="", package="memchr")


async def test_builds_tests_benches_and_runs_against_cargo(session: CorpusSession) -> None:
    with checking(session) as checker:
        await check_builds(session, checker, package="memchr", run=None, test_name=TESTS)


async def test_dependency_changes_and_fixes_against_cargo_and_git(session: CorpusSession) -> None:
    with checking(session) as checker:
        await check_dependency_changes(session, checker, package="memchr", member=".", fix_member=".")


async def test_every_answer_fits(session: CorpusSession) -> None:
    """Last: every answer the tests above got within 8 KiB of text and 10 KiB of JSON, and no list
    cut without a note (issue 22)."""
    check_every_answer_fits(session)
