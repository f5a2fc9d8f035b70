"""Readiness that is right after a restart on a warm target (issue 22, problem 2): a new server on a
workspace whose build data is already on disk answers its first hover, definition and references
(by position and by symbol name) right, never "nothing there" first. Five restarts, each answer
judged against the source; the calls go in at once, the moment the server has listed its tools.
On the bundled workspace fixture, and on the ripgrep corpus (where it was seen)."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest
from mcp import Client

from rust_mcp.dev.corpus import RIPGREP, copy
from tests.real.test_ra_tools import ra_structured
from tests.support import FIXTURES, require_bubblewrap, require_rust_analyzer, server_params, text_of

pytestmark = pytest.mark.anyio

RESTARTS = 5


@dataclass(frozen=True)
class Question:
    """A use of a method at `use_file`:`use_line` (after `marker`), declared in `declared` at the
    line matching `declaration`; hover must show `signature`."""

    use_file: str
    marker: str
    declared: str
    declaration: str
    signature: str


FIXTURE = Question(
    "app/src/main.rs", "far.norm2", "geometry/src/lib.rs", r"pub fn norm2\(", "fn norm2(&self) -> f64"
)
RIPGREP_QUESTION = Question(
    "ripgrep/crates/core/search.rs",
    "searcher.search_path(",
    "grep-searcher/src/searcher/mod.rs",
    r"pub fn search_path<",
    "pub fn search_path<",
)


def line_of(path: Path, pattern: str) -> tuple[int, int]:
    """(line, column) of the first match of `pattern` in `path`, 1-based."""
    for number, text in enumerate(path.read_text().splitlines(), 1):
        found = re.search(pattern, text)
        if found:
            return number, found.start() + 1
    raise AssertionError(f"{pattern!r} not in {path}")


async def first_answers(root: Path, question: Question) -> list[str]:
    """One fresh server's first answers; the wrong ones, described."""
    use = root / question.use_file
    line, column = line_of(use, re.escape(question.marker))
    column += question.marker.index(".") + 1 if "." in question.marker else 0
    declared_line, _ = line_of(root / question.declared, question.declaration)
    position = {"file_path": str(use), "line": line, "column": column}
    wrong: list[str] = []
    params = server_params("rust-analyzer-mcp", "--root", str(root))
    async with Client(params, mode="legacy", read_timeout_seconds=600) as client:

        async def hover() -> None:
            result = await client.call_tool("rust_analyzer_hover", position)
            body = ra_structured("rust_analyzer_hover", result)
            if not (body.get("found") and question.signature in body.get("markdown", "")):
                wrong.append(f"hover: {text_of(result)[:300]}")

        async def definition() -> None:
            result = await client.call_tool("rust_analyzer_definition", position)
            found = ra_structured("rust_analyzer_definition", result).get("locations", [])
            if [(p["path"], p["line"]) for p in found] != [(question.declared, declared_line)]:
                wrong.append(f"definition: {text_of(result)[:300]}")

        async def references() -> None:
            result = await client.call_tool("rust_analyzer_references", position)
            groups = ra_structured("rust_analyzer_references", result).get("groups", [])
            places = {(g["path"], p["line"]) for g in groups for p in g["locations"]}
            if not {(question.use_file, line), (question.declared, declared_line)} <= places:
                wrong.append(f"references: {text_of(result)[:300]}")

        async with anyio.create_task_group() as group:
            for ask in (hover, definition, references):
                group.start_soon(ask)
    return wrong


async def restarts(root: Path, question: Question) -> None:
    require_bubblewrap()
    require_rust_analyzer()
    wrong = await first_answers(root, question)  # the cold start fills target/rust-analyzer
    for restart in range(RESTARTS):
        wrong += [f"restart {restart + 1}: {w}" for w in await first_answers(root, question)]
    assert not wrong, "\n".join(wrong)


@pytest.mark.real
async def test_no_early_empty_answer_across_warm_restarts(tmp_path: Path) -> None:
    root = tmp_path / "workspace"
    shutil.copytree(FIXTURES / "workspace", root, ignore=shutil.ignore_patterns("target"))
    await restarts(root, FIXTURE)


@pytest.mark.corpus
async def test_no_early_empty_answer_across_warm_restarts_on_ripgrep(tmp_path: Path) -> None:
    await restarts(copy(RIPGREP, tmp_path), RIPGREP_QUESTION)
