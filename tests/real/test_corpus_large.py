"""The large corpus (53 crates.io libraries side by side, 617k lines: libc, the regex family, serde,
rayon, rand, zerocopy...): every tool of both servers, through real MCP clients, against ground truth
computed apart from our code (cargo's own JSON, a raw rust-analyzer, the source text), every answer
measured against the 8 KiB text / 10 KiB JSON budget and every long list read to its end; and five
restarts of rust-analyzer-mcp on the warm target, asked at once (issue 22). One copy, one cold build
and one warm server pair for the module; read-only calls first, then the calls that write. In CI
(marker `corpus`); the corpus comes from crates.io once and is copied from the cache after."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

from cargo_mcp.table.dependency_parameters import TREE_DEPTH
from rust_mcp.core import budgets
from rust_mcp.dev.corpus import LARGE
from tests.support import text_of
from tests.support.corpus_builds import check_builds, check_dependency_changes
from tests.support.corpus_cargo import (
    cargo_pages,
    check_lint_run,
    check_project_tools,
)
from tests.support.corpus_checks import Item
from tests.support.corpus_diagnostics import (
    check_injected_error,
    check_unsafe_audit,
    check_workspace_diagnostics_paged,
)
from tests.support.corpus_measured import MeasuredSession, check_callers_paged
from tests.support.corpus_restarts import raw_truth, restart_rounds
from tests.support.corpus_support import corpus_session, run_cargo
from tests.support.corpus_tour import Tour, check_items, check_tour, check_tree_unchanged, checking

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.corpus,
]

NOISE = "-W unused_qualifications -W missing_debug_implementations -W unreachable_pub -W unused_results"
HIR = "regex-syntax/src/hir/mod.rs"
META = "regex-automata/src/meta/regex.rs"
LARGEST = "zerocopy/src/lib.rs"  # 8.5k lines, the most items of any file
ITEMS = [
    Item("regex_syntax::hir::Hir", HIR, r"^pub struct Hir \{"),  # used all over two crates
    Item("Hir::kind", HIR, r"pub fn kind\(&self\) -> &HirKind"),
    Item("regex_automata::meta::Regex", META, r"^pub struct Regex \{"),
    Item("regex_automata::meta::Regex::search_slots", META, r"pub fn search_slots\($"),
    Item("serde_json::Value", "serde_json/src/value/mod.rs", r"^pub enum Value \{"),
    # `serde::Serialize` is refused as ambiguous (the trait and the derive macro share the name)
    Item(
        "serde_core::ser::Serialize",
        "serde_core/src/ser/mod.rs",
        r"^pub trait Serialize \{",
        implementations=True,
    ),
    Item("rayon::iter::ParallelIterator", "rayon/src/iter/mod.rs", r"^pub trait ParallelIterator"),
    Item("memchr::memchr", "memchr/src/memchr.rs", r"^pub fn memchr\("),
    Item("aho_corasick::AhoCorasick", "aho-corasick/src/ahocorasick.rs", r"^pub struct AhoCorasick \{"),
    Item("smallvec::SmallVec", "smallvec/src/lib.rs", r"^pub struct SmallVec<"),
]


TOUR = Tour(
    outline=LARGEST,
    binding=("regex/src/builders.rs", r"let metac = meta::Config::new\(\)", "metac"),
    function=(HIR, r"pub fn kind\(&self\) -> &HirKind", "kind"),
    macro=("serde_json/src/de.rs", r"forward_to_deserialize_any! \{", "forward_to_deserialize_any"),
    ssr_rule="regex_syntax::hir::Hir::concat($a) ==>> regex_syntax::hir::Hir::alternation($a)",
    ssr_context="regex/src/lib.rs",  # a crate that depends on regex-syntax: its name resolves there
    rename=Item("Hir::kind", HIR, r"pub fn kind\(&self\) -> &HirKind"),
    format_file="memchr/src/memchr.rs",
    member="regex",
)


@pytest.fixture(scope="module")
async def session(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[MeasuredSession]:
    async with corpus_session(LARGE, tmp_path_factory.mktemp("corpus"), rustflags=NOISE) as opened:
        yield MeasuredSession(opened.name, opened.root, opened.cargo, opened.ra, opened.raw)


async def test_items_by_name_definitions_references_hover_implementations(session: MeasuredSession) -> None:
    await check_items(session, ITEMS)


async def test_outline_of_the_largest_file_positions_and_previews(session: MeasuredSession) -> None:
    await check_tour(session, TOUR)


CALLED = ("smallvec/src/lib.rs", r"pub fn new\(\) -> SmallVec<A> \{", "new")


async def test_every_caller_of_a_widely_called_method_paged_to_the_end(session: MeasuredSession) -> None:
    """call hierarchy of `SmallVec::new` (called from smallvec itself and most of its 73 tests) against
    a raw rust-analyzer's incoming calls: every caller, following the pages the notes point to."""
    with checking(session) as checker:
        await check_callers_paged(session, checker, CALLED)


async def test_unsafe_audit_against_the_source(session: MeasuredSession) -> None:
    with checking(session) as checker:
        await check_unsafe_audit(session, checker, package="smallvec")


async def test_project_tools_against_cargo(session: MeasuredSession) -> None:
    with checking(session) as checker:
        await check_project_tools(
            session, checker, package="regex", directory="regex", fmt={"workspace": True}
        )


async def test_the_whole_dependency_tree_pages_to_cargos(session: MeasuredSession) -> None:
    """`cargo_tree` of the workspace, every level and the default depth (3): each page within budget,
    and the pages the notes point to, put together, are the lines bare `cargo tree` prints."""
    with checking(session) as checker:
        for depth in (None, TREE_DEPTH):
            argv = ["cargo", "tree"] + (["--depth", str(depth)] if depth is not None else [])
            tree = await anyio.run_process(argv, cwd=session.root)
            expected = tree.stdout.decode().splitlines()
            pages, data = await cargo_pages(
                session, "cargo_tree", {"path": str(session.root), "depth": depth}, "lines"
            )
            lines = data.get("lines") or []
            checker.check(
                "cargo_tree",
                len(expected) > 100
                and (depth is not None or pages > 1)
                and lines == expected
                and data.get("total_lines") == len(expected),
                f"depth {depth}: {len(lines)} lines in {pages} page(s) (total {data.get('total_lines')}) "
                f"of cargo's {len(expected)}; first difference at "
                f"{next((i for i, (a, b) in enumerate(zip(lines, expected, strict=False)) if a != b), None)}",
            )


RESTART_SPOTS = [
    (HIR, r"pub fn kind\(&self\) -> &HirKind", "kind"),
    ("regex/src/builders.rs", r"let metac = meta::Config::new\(\)", "Config"),
    ("serde_json/src/value/mod.rs", r"^pub enum Value \{", "Value"),
    CALLED,
]
RESTART_QUERIES = ["AhoCorasick", "ParallelIterator", "search_slots"]
RESTARTS = 5


async def test_five_restarts_on_the_warm_target_answer_right_at_once(session: MeasuredSession) -> None:
    """rust-analyzer-mcp stopped and started 5 times on the built corpus, asked at once each time:
    hover, definition and references at 4 places and 3 workspace symbol queries (75 answers), each
    against a raw rust-analyzer after quiescence. Every empty or different answer counts."""
    with checking(session) as checker:
        truth = await raw_truth(session, RESTART_SPOTS, RESTART_QUERIES)
        rounds = await restart_rounds(session, truth, RESTART_SPOTS, RESTARTS)
        wrong = [f"restart {number}: {problem}" for number, r in enumerate(rounds, 1) for problem in r.wrong]
        print(f"restarts: {[round(r.seconds, 1) for r in rounds]} s to the last answer; {len(wrong)} wrong")
        for tool in ("rust_analyzer_hover", "rust_analyzer_definition", "rust_analyzer_references"):
            mine = [problem for problem in wrong if problem.split(": ", 1)[1].startswith(tool.split("_")[-1])]
            checker.check(tool, len(rounds) == RESTARTS and not mine, f"{len(mine)} wrong: {mine[:4]}")
        symbols = [problem for problem in wrong if "workspace symbol" in problem]
        checker.check("rust_analyzer_workspace_symbol", not symbols, f"{len(symbols)} wrong: {symbols[:4]}")
        assert len(wrong) == 0, wrong


async def test_read_only_calls_left_the_tree_as_it_was(session: MeasuredSession) -> None:
    await check_tree_unchanged(session)


async def test_an_injected_error_among_many_warnings(session: MeasuredSession) -> None:
    with checking(session) as checker:
        await check_injected_error(
            session, checker, "regex/src/lib.rs", package="regex", noise=NOISE, at_least=50
        )


async def test_workspace_diagnostics_paged_to_the_end_against_cargo(session: MeasuredSession) -> None:
    """Every page of the workspace's diagnostics (warnings too, not only the first page's errors),
    from one kept pass, against bare cargo check's JSON for the same files."""
    with checking(session) as checker:
        await check_workspace_diagnostics_paged(session, checker)


async def test_clippy_pedantic_against_cargo(session: MeasuredSession) -> None:
    with checking(session) as checker:
        await check_lint_run(
            session, checker, ["clippy::pedantic"], noise=NOISE, package="either", at_least=50
        )


async def test_builds_and_tests_against_cargo(session: MeasuredSession) -> None:
    with checking(session) as checker:
        await check_builds(session, checker, package="either", run=None)


async def test_dependency_changes_and_fixes_against_cargo_and_git(session: MeasuredSession) -> None:
    with checking(session) as checker:
        await check_dependency_changes(
            session, checker, package="either", member="either", fix_member="strsim"
        )


async def test_every_tool_of_both_servers_walked(session: MeasuredSession) -> None:
    """The tools no test above called (the plugins' and cargo_outdated), then every tool both servers
    list: each called at least once on this corpus, its answers measured (the next test), and the
    whole workspace's diagnostics with no false error (bare cargo check says 0)."""
    with checking(session) as checker:
        root = str(session.root)
        result, body = await session.cargo_call("cargo_outdated", {"path": root})
        listed = len(body.get("outdated") or [])
        checker.check(
            "cargo_outdated",
            not result.is_error and (listed > 0 or "0 of" in body.get("summary", "")),
            f"{listed} listed: {text_of(result)[:300]!r}",
        )
        for tool, arguments in (
            ("cargo_nextest", {"path": root, "package": "either"}),
            ("cargo_insta_pending", {"path": root}),
        ):
            result, body = await session.cargo_call(tool, arguments)
            plugin = "cargo-" + tool.split("_")[1]
            missing = f"{plugin} is not installed" in text_of(result)  # the plugin not installed: said so
            checker.check(tool, missing or (bool(body) and body.get("exit_code") == 0), text_of(result)[:300])
        for tool in ("cargo_insta_accept", "cargo_insta_reject"):  # no snapshot here: refused, naming it
            result, body = await session.cargo_call(tool, {"path": root, "snapshots": ["corpus_none"]})
            said = text_of(result)
            checker.check(tool, "corpus_none" in said or "cargo-insta" in said, said[:300])
        result = await session.cargo.call_tool("set_working_directory", {"path": root})
        session.measure("set_working_directory", {"path": root}, result)
        session._measure("cargo-mcp", "set_working_directory", result)
        truth = await run_cargo(
            session.root, ["check", "--workspace", "--message-format=json"], {"RUSTFLAGS": NOISE}
        )
        # errors come first, so the first page holds every error there is (the warnings page on after)
        result, body = await session.ra_call("rust_analyzer_workspace_diagnostics", {"workspace": root})
        errors = [d for d in body.get("diagnostics", []) if d["severity"] == "error"]
        checker.check(
            "rust_analyzer_workspace_diagnostics",
            truth.count("error") == 0 and body.get("counts", {}).get("errors") == 0 and not errors,
            f"{body.get('counts')} where cargo check has {truth.count('error')} errors: {errors[:3]}",
        )
        called = {answer.tool for answer in session.answers}
        for server, client in (("cargo-mcp", session.cargo), ("rust-analyzer-mcp", session.ra)):
            listed_tools = {tool.name for tool in (await client.list_tools()).tools}
            checker.check(
                f"{server} tools",
                len(listed_tools) >= 20 and listed_tools <= called,
                f"never called on this corpus: {sorted(listed_tools - called)}",
            )


async def test_every_answer_within_budget(session: MeasuredSession) -> None:
    """Last: every answer the tests above received, of either server, within 8 KiB of text and 10 KiB
    of structured JSON (what Codex passes to the model)."""
    with checking(session) as checker:
        assert len(session.answers) > 50, f"only {len(session.answers)} answers measured"
        for answer in session.answers:
            checker.check(
                answer.tool,
                answer.text <= budgets.ANSWER_TEXT_BUDGET
                and answer.structured <= budgets.ANSWER_STRUCTURED_BUDGET,
                f"over budget: {answer.text} characters of text, {answer.structured} of JSON",
            )
        for tool, problems in sorted(session.over_budget.items()):  # over budget, or cut without a note
            checker.check(tool, not problems, "; ".join(problems[:5]) + f" ({len(problems)} answer(s))")
