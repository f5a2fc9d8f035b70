"""The checks every corpus gets, each as one call a corpus test module makes with its own places:
items by name, an outline with positions and previews, and that read-only calls left the tree as it
was. `checking` wraps any other check: one Checker, its verdicts recorded at the end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.support.corpus_checks import (
    Item,
    check_item,
    check_outline,
    check_previews,
    check_status_and_workspace,
)
from tests.support.corpus_positions import check_at_position
from tests.support.corpus_support import Checker, CorpusSession
from tests.support.corpus_truth import git_status


@contextmanager
def checking(session: CorpusSession) -> Iterator[Checker]:
    """A Checker for one test on `session`'s corpus; its verdicts are recorded (and any wrong
    answer fails the test) when the block ends."""
    checker = Checker(session.name)
    yield checker
    checker.finish()


@dataclass(frozen=True)
class Tour:
    """Where a corpus's outline, position and preview checks look (each place found in the source:
    file, line pattern, name[, the line it comes after])."""

    outline: str  # a file whose outline is compared
    binding: tuple[str, ...]  # a `let`
    function: tuple[str, ...]
    macro: tuple[str, ...]
    ssr_rule: str
    ssr_context: str  # the file whose crate the rule's paths resolve in
    rename: Item
    format_file: str
    member: str  # a member directory for set_workspace and status


async def check_items(session: CorpusSession, items: list[Item]) -> None:
    """Each item by name: definition, references, hover (and implementations where asked)."""
    with checking(session) as checker:
        for item in items:
            await check_item(session, checker, item)


async def check_tour(session: CorpusSession, tour: Tour) -> None:
    """Outline, the tools at a binding, a function and a macro call, the previews, set_workspace
    and status."""
    with checking(session) as checker:
        await check_outline(session, checker, tour.outline)
        await check_at_position(session, checker, tour.binding, tour.function, tour.macro)
        await check_previews(session, checker, tour.ssr_rule, tour.ssr_context, tour.rename, tour.format_file)
        await check_status_and_workspace(session, checker, tour.member)


async def check_tree_unchanged(session: CorpusSession) -> None:
    """After the read-only calls of the tests before: `git status` of the corpus copy is clean."""
    with checking(session) as checker:
        changed = await git_status(session.root)
        for tool in ("rust_analyzer_unsafe_audit", "rust_analyzer_diagnostics", "cargo_metadata"):
            checker.check(tool, changed == [], f"read-only calls changed the tree: {changed[:10]}")
