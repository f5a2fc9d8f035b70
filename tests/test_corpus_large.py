"""The large corpus (53 crates.io libraries side by side, 617k lines: libc, the regex family, serde,
rayon, rand, zerocopy...): every tool of both servers, through real MCP clients, against ground truth
computed apart from our code (cargo's own JSON, a raw rust-analyzer, the source text), every answer
measured against the 8 KiB text / 10 KiB JSON budget and every long list read to its end. One copy,
one build and one warm server pair for the module; read-only calls first, then the calls that write.

Not yet in CI: run it with RUST_MCP_LARGE_CORPUS=1. On 2026-12-06 six of its twelve tests failed,
each on something still to do or to judge (issue 22): the expectations for cargo_metadata and
cargo_tree predate their paging (a line per member; depth 3 by default), the unsafe audit counts
57 blocks in smallvec where the source walk counts 55, and an SSR pattern's path does not resolve.
Two are mended since: implementations page within the budget, and workspace diagnostics count a
file rust-analyzer does not answer for in time instead of failing whole (the injected-error test
passes)."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest
from mcp_types import CallToolResult

from bench.corpus import LARGE
from rust_mcp.core import budgets
from tests.corpus_cargo import check_builds, check_dependency_changes, check_lint_run, check_project_tools
from tests.corpus_checks import (
    Item,
    check_at_position,
    check_item,
    check_outline,
    check_previews,
    check_status_and_workspace,
)
from tests.corpus_diagnostics import check_injected_error, check_unsafe_audit
from tests.corpus_support import Checker, CorpusSession, corpus_session, locate
from tests.corpus_truth import git_status, uri_path
from tests.support import text_of

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.corpus,
    pytest.mark.skipif(
        os.environ.get("RUST_MCP_LARGE_CORPUS") != "1",
        reason="the large corpus is not in CI yet (see the docstring); RUST_MCP_LARGE_CORPUS=1 runs it",
    ),
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


@dataclass
class Answer:
    server: str
    tool: str
    text: int
    structured: int


@dataclass
class MeasuredSession(CorpusSession):
    """A corpus session that measures every answer either server gives (text and structured JSON)."""

    answers: list[Answer] = field(default_factory=list)

    def _measure(self, server: str, tool: str, result: CallToolResult) -> None:
        content = result.structured_content
        size = len(json.dumps(content, separators=(",", ":"), ensure_ascii=False)) if content else 0
        self.answers.append(Answer(server, tool, len(text_of(result)), size))

    async def cargo_call(self, tool: str, arguments: dict[str, Any]) -> tuple[CallToolResult, dict[str, Any]]:
        result, body = await super().cargo_call(tool, arguments)
        self._measure("cargo-mcp", tool, result)
        return result, body

    async def ra_call(self, tool: str, arguments: dict[str, Any]) -> tuple[CallToolResult, dict[str, Any]]:
        result, body = await super().ra_call(tool, arguments)
        self._measure("rust-analyzer-mcp", tool, result)
        return result, body


@pytest.fixture(scope="module")
async def session(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[MeasuredSession]:
    async with corpus_session(LARGE, tmp_path_factory.mktemp("corpus"), rustflags=NOISE) as opened:
        yield MeasuredSession(opened.name, opened.root, opened.cargo, opened.ra, opened.raw)


async def test_items_by_name_definitions_references_hover_implementations(session: MeasuredSession) -> None:
    checker = Checker(session.name)
    for item in ITEMS:
        await check_item(session, checker, item)
    checker.finish()


async def test_outline_of_the_largest_file_positions_and_previews(session: MeasuredSession) -> None:
    checker = Checker(session.name)
    await check_outline(session, checker, LARGEST)
    await check_at_position(
        session,
        checker,
        ("regex/src/builders.rs", r"let metac = meta::Config::new\(\)", "metac"),
        (HIR, r"pub fn kind\(&self\) -> &HirKind", "kind"),
        ("serde_json/src/de.rs", r"forward_to_deserialize_any! \{", "forward_to_deserialize_any"),
    )
    await check_previews(
        session,
        checker,
        "regex_syntax::hir::Hir::concat($a) ==>> regex_syntax::hir::Hir::alternation($a)",
        "regex/src/lib.rs",  # a crate that depends on regex-syntax: its name resolves there
        Item("Hir::kind", HIR, r"pub fn kind\(&self\) -> &HirKind"),
        "memchr/src/memchr.rs",
    )
    await check_status_and_workspace(session, checker, "regex")
    checker.finish()


CALLED = ("smallvec/src/lib.rs", r"pub fn new\(\) -> SmallVec<A> \{", "new")


async def test_every_caller_of_a_widely_called_method_paged_to_the_end(session: MeasuredSession) -> None:
    """call hierarchy of `SmallVec::new` (called from smallvec itself and most of its 73 tests) against
    a raw rust-analyzer's incoming calls: every caller, following the pages the notes point to."""
    checker = Checker(session.name)
    path, line, column = locate(session.root, *CALLED)
    prepared = await session.raw.request(
        "textDocument/prepareCallHierarchy",
        {"textDocument": {"uri": path.as_uri()}, "position": {"line": line - 1, "character": column - 1}},
    )
    incoming = await session.raw.request("callHierarchy/incomingCalls", {"item": prepared[0]})
    truth = {
        (session.rel(uri_path(call["from"]["uri"])), call["from"]["selectionRange"]["start"]["line"] + 1)
        for call in incoming
    }
    # 20 a page: the callers (45) do not fit one, so the answer must count them and say how to page
    arguments = {"file_path": str(path), "line": line, "column": column, "direction": "incoming", "limit": 20}
    result, body = await session.ra_whole("rust_analyzer_call_hierarchy", arguments)
    ours = {(entry["location"]["path"], entry["location"]["line"]) for entry in body.get("incoming", [])}
    checker.check(
        "rust_analyzer_call_hierarchy",
        not result.is_error and len(truth) > 20 and ours == truth,
        f"{len(ours)} callers listed (after following every page), rust-analyzer has {len(truth)}; "
        f"missing {sorted(truth - ours)[:3]}; note {body.get('note')!r}",
    )
    checker.finish()


async def test_unsafe_audit_against_the_source(session: MeasuredSession) -> None:
    checker = Checker(session.name)
    await check_unsafe_audit(session, checker, package="smallvec")
    checker.finish()


async def test_project_tools_against_cargo(session: MeasuredSession) -> None:
    checker = Checker(session.name)
    await check_project_tools(session, checker, package="regex", directory="regex", fmt={"workspace": True})
    checker.finish()


async def test_the_whole_dependency_tree_pages_to_cargos(session: MeasuredSession) -> None:
    """`cargo_tree` of the workspace, no depth: within budget, and every line cargo prints reachable
    (one answer, or pages whose note says how to get the rest)."""
    checker = Checker(session.name)
    tree = await anyio.run_process(["cargo", "tree", "--workspace"], cwd=session.root)
    expected = tree.stdout.decode().splitlines()
    lines: list[str] = []
    arguments: dict[str, Any] = {"path": str(session.root)}
    result, body = await session.cargo_call("cargo_tree", arguments)
    lines += (body.get("data") or {}).get("lines") or []
    checker.check(
        "cargo_tree",
        len(expected) > 500 and (lines == expected or "offset=" in text_of(result)),
        f"{len(lines)} of cargo's {len(expected)} lines, no paging note: {text_of(result)[-300:]!r}",
    )
    checker.finish()


async def test_read_only_calls_left_the_tree_as_it_was(session: MeasuredSession) -> None:
    checker = Checker(session.name)
    changed = await git_status(session.root)
    for tool in ("rust_analyzer_unsafe_audit", "rust_analyzer_diagnostics", "cargo_metadata"):
        checker.check(tool, changed == [], f"read-only calls changed the tree: {changed[:10]}")
    checker.finish()


async def test_an_injected_error_among_many_warnings(session: MeasuredSession) -> None:
    checker = Checker(session.name)
    await check_injected_error(
        session, checker, "regex/src/lib.rs", package="regex", noise=NOISE, at_least=50
    )
    checker.finish()


async def test_clippy_pedantic_against_cargo(session: MeasuredSession) -> None:
    checker = Checker(session.name)
    await check_lint_run(session, checker, ["clippy::pedantic"], noise=NOISE, package="either", at_least=50)
    checker.finish()


async def test_builds_and_tests_against_cargo(session: MeasuredSession) -> None:
    checker = Checker(session.name)
    await check_builds(session, checker, package="either", run=None)
    checker.finish()


async def test_dependency_changes_and_fixes_against_cargo_and_git(session: MeasuredSession) -> None:
    checker = Checker(session.name)
    await check_dependency_changes(session, checker, package="either", member="either", fix_member="strsim")
    checker.finish()


async def test_every_answer_within_budget(session: MeasuredSession) -> None:
    """Last: every answer the tests above received, of either server, within 8 KiB of text and 10 KiB
    of structured JSON (what Codex passes to the model)."""
    checker = Checker(session.name)
    assert len(session.answers) > 50, f"only {len(session.answers)} answers measured"
    for answer in session.answers:
        checker.check(
            answer.tool,
            answer.text <= budgets.ANSWER_TEXT_BUDGET
            and answer.structured <= budgets.ANSWER_STRUCTURED_BUDGET,
            f"over budget: {answer.text} characters of text, {answer.structured} of JSON",
        )
    checker.finish()
