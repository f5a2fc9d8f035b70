"""Fast tier: an empty answer ("nothing there") to a question sent before rust-analyzer is quiescent
is asked again once it is (issue 22, problem 2: after a restart on a warm target, hover said "no
symbol there" and definition "0 found" 8-11 s in, before the right answer). The second answer
stands; an empty answer after quiescence, or to a question whose empty answer is ordinary, is
taken as it is. The client's requests are played by a script, not by a process."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from ra_mcp.lsp.client import AnalyzerClient
from ra_mcp.lsp.discovery import Analyzer
from ra_mcp.lsp.lazy_types import lsp

pytestmark = pytest.mark.anyio


class ScriptedClient(AnalyzerClient):
    """An AnalyzerClient whose requests are answered from `answers`, in order, recording each;
    rust-analyzer becomes quiescent `quiet_after` seconds after the first request."""

    def __init__(self, answers: list[Any], quiet_after: float = 0.2) -> None:
        super().__init__(Path("/w"), Analyzer("/usr/bin/rust-analyzer", "rust-analyzer 1.96"), {})
        self.answers = answers
        self.asked: list[tuple[str, bool]] = []
        self.quiet_after = quiet_after

    @property
    def alive(self) -> bool:
        return True

    async def _request_once(self, method: str, params: Any, timeout: float, as_json: bool = False) -> Any:
        if not self.asked:
            asyncio.get_running_loop().call_later(self.quiet_after, self._quiet)
        self.asked.append((method, self.state.quiescent))
        return self.answers.pop(0)

    def _quiet(self) -> None:
        self.state.quiescent = True
        self.state.touch()


HOVER = lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="fn norm2(&self) -> f64"))


async def test_an_early_empty_hover_is_asked_again_once_quiescent() -> None:
    client = ScriptedClient([None, HOVER])
    answer = await client.request(lsp.TEXT_DOCUMENT_HOVER, {}, timeout=10)
    assert answer is HOVER
    assert client.asked == [(lsp.TEXT_DOCUMENT_HOVER, False), (lsp.TEXT_DOCUMENT_HOVER, True)]
    assert client.state.empty_rechecks == 1


async def test_an_early_empty_symbol_search_is_asked_again() -> None:
    start = lsp.Position(line=0, character=0)
    place = lsp.Location(uri="file:///w/a.rs", range=lsp.Range(start=start, end=start))
    found = [lsp.WorkspaceSymbol(name="norm2", kind=lsp.SymbolKind.Method, location=place)]
    client = ScriptedClient([[], found])
    assert await client.request(lsp.WORKSPACE_SYMBOL, {}, timeout=10) == found
    assert [quiet for _, quiet in client.asked] == [False, True]


async def test_an_empty_answer_after_quiescence_stands() -> None:
    client = ScriptedClient([None])
    client.state.quiescent = True
    assert await client.request(lsp.TEXT_DOCUMENT_DEFINITION, {}, timeout=10) is None
    assert client.asked == [(lsp.TEXT_DOCUMENT_DEFINITION, True)]


async def test_a_non_empty_early_answer_is_taken_at_once() -> None:
    client = ScriptedClient([HOVER], quiet_after=30)
    assert await client.request(lsp.TEXT_DOCUMENT_HOVER, {}, timeout=10) is HOVER
    assert len(client.asked) == 1


async def test_questions_whose_empty_answer_is_ordinary_are_not_asked_again() -> None:
    client = ScriptedClient([None], quiet_after=30)
    assert await client.request(lsp.TEXT_DOCUMENT_FORMATTING, {}, timeout=10) is None
    assert len(client.asked) == 1
