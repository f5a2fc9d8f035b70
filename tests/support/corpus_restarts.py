"""Restarts on a warm target (issue 22, problem 2): rust-analyzer-mcp stopped and started again on a
corpus already built and analysed, asked at once, each time, hover, definition, references and
workspace symbols at known places; every answer compared with a raw rust-analyzer's after quiescence.
An empty answer, "nothing there", "0 found" or a different answer counts as wrong."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from mcp import Client

from ra_mcp.lsp.requests import without_guessed_traits
from tests.support import server_params
from tests.support.corpus_checks import HOVER_COMPARED, _listed, _places, _unabbreviated
from tests.support.corpus_support import CorpusSession, Place, locate
from tests.support.corpus_truth import uri_path

Spot = tuple[str, str, str]  # file, the pattern of its one line, the name on it


@dataclass
class Truth:
    """What a raw rust-analyzer, quiescent, answers at each spot and for each symbol query."""

    hovers: dict[Spot, str] = field(default_factory=dict)
    definitions: dict[Spot, set[Place]] = field(default_factory=dict)
    references: dict[Spot, set[Place]] = field(default_factory=dict)
    symbols: dict[str, set[tuple[str, int]]] = field(default_factory=dict)


async def raw_truth(session: CorpusSession, spots: list[Spot], queries: list[str]) -> Truth:
    truth = Truth()
    for spot in spots:
        path, line, column = locate(session.root, *spot)
        # less the notable traits rust-analyzer guesses from `{unknown}` types, which ours leaves out
        truth.hovers[spot] = without_guessed_traits(await session.raw.hover(path, line - 1, column - 1))
        found = await session.raw.locations("textDocument/definition", path, line - 1, column - 1)
        truth.definitions[spot] = _places(session, found)
        truth.references[spot] = _places(session, await session.raw.references(path, line - 1, column - 1))
    for query in queries:
        truth.symbols[query] = {
            (session.rel(uri_path(s["location"]["uri"])), s["location"]["range"]["start"]["line"] + 1)
            for s in await session.raw.workspace_symbols(query)
            if s["name"] == query
        }
    empty = [spot[2] for spot in spots if not (truth.hovers[spot] and truth.definitions[spot])]
    empty += [query for query in queries if not truth.symbols[query]]
    assert not empty, f"the raw rust-analyzer has no answer for {empty}: pick other places"
    return truth


Asker = Callable[[str, dict[str, Any]], Awaitable[tuple[bool, dict[str, Any]]]]


async def wrong_answers(session: CorpusSession, ask: Asker, truth: Truth, spots: list[Spot]) -> list[str]:
    """Every question of one round, asked through `ask` (tool, arguments -> is_error, the whole
    paged body); what is wrong about each answer."""
    wrong: list[str] = []
    workspace = str(session.root)
    for spot in spots:
        path, line, column = locate(session.root, *spot)
        where = {"file_path": str(path), "line": line, "column": column}
        failed, body = await ask("rust_analyzer_hover", where)
        hover = str(body.get("markdown", ""))
        if failed or hover[:HOVER_COMPARED] != truth.hovers[spot][:HOVER_COMPARED]:
            wrong.append(f"hover at {spot[2]} ({spot[0]}:{line}): {hover[:80]!r}")
        failed, body = await ask("rust_analyzer_definition", where)
        if failed or _listed(body) != truth.definitions[spot]:
            wrong.append(f"definition at {spot[2]}: {sorted(_listed(body))[:2]} ({body.get('note')})")
        failed, body = await ask("rust_analyzer_references", {**where, "limit": 1000})
        ours = {
            (_unabbreviated(group["path"]), loc["line"], loc["column"])
            for group in body.get("groups", [])
            for loc in group["locations"]
        }
        expected = truth.references[spot]
        if failed or ours != expected or body.get("total") != len(expected):
            wrong.append(
                f"references at {spot[2]}: {len(ours)} (total {body.get('total')}) of {len(expected)}"
            )
    for query, expected_symbols in truth.symbols.items():
        failed, body = await ask("rust_analyzer_workspace_symbol", {"query": query, "workspace": workspace})
        found = {(loc["path"], loc["line"]) for loc in body.get("locations", []) if loc.get("name") == query}
        if failed or found != expected_symbols:
            wrong.append(f"workspace symbol {query}: {sorted(found)[:2]} vs {sorted(expected_symbols)[:2]}")
    return wrong


@dataclass
class Round:
    seconds: float  # from starting the server to the last answer of the round
    wrong: list[str]


async def restart_rounds(session: CorpusSession, truth: Truth, spots: list[Spot], rounds: int) -> list[Round]:
    """`rounds` times: a new rust-analyzer-mcp on the corpus (the target warm), asked every question
    at once, then stopped. Its answers go through the session's measure (budget) and paging."""
    base = session.root.parent
    done: list[Round] = []
    for _ in range(rounds):
        started = time.monotonic()
        params = server_params(
            "rust-analyzer-mcp", "--root", str(base), "--ready-timeout", "900", "--answer-deadline", "910"
        )
        async with Client(params, mode="legacy", read_timeout_seconds=1800) as client:
            restarted = dataclasses.replace(session, ra=client)

            async def ask(tool: str, arguments: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
                result, body = await restarted.ra_whole(tool, arguments)  # noqa: B023 (used at once)
                return bool(result.is_error), body

            wrong = await wrong_answers(session, ask, truth, spots)
            done.append(Round(time.monotonic() - started, wrong))
    return done
