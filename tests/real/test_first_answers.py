"""The very first session (issue 23): on a fresh copy (no target/, so rust-analyzer builds every build
script and proc macro first), the first answers are the answers rust-analyzer gives once it is
quiescent. The calls go in the moment the server has listed its tools, while the build data is
pending; the server answers only once the build data is applied. Each early answer (hover,
definition, references, by position) is compared, in full, with the same call's answer after
rust-analyzer is quiescent; none may be empty, refused or different. Three cold starts on the
bundled workspace fixture, one on the ripgrep corpus."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from rust_mcp.dev.corpus import RIPGREP, copy
from tests.real.test_ra_tools import ra_structured
from tests.real.test_warm_restarts import FIXTURE, RIPGREP_QUESTION, Question, line_of
from tests.support import FIXTURES, require_bubblewrap, require_rust_analyzer, server_params, text_of

pytestmark = pytest.mark.anyio

COLD_STARTS = 3
TOOLS = ("rust_analyzer_hover", "rust_analyzer_definition", "rust_analyzer_references")
QUIESCENT_WITHIN = 600.0


def position(root: Path, question: Question) -> dict[str, Any]:
    use = root / question.use_file
    line, column = line_of(use, re.escape(question.marker))
    column += question.marker.index(".") + 1 if "." in question.marker else 0
    return {"file_path": str(use), "line": line, "column": column}


async def answers(client: Client, at: dict[str, Any]) -> dict[str, dict[str, Any] | str]:
    """Each tool's structured answer at `at`, asked at once; a refusal or error as its text."""
    found: dict[str, dict[str, Any] | str] = {}

    async def ask(tool: str) -> None:
        result = await client.call_tool(tool, at)
        found[tool] = f"error: {text_of(result)}" if result.is_error else ra_structured(tool, result)

    async with anyio.create_task_group() as group:
        for tool in TOOLS:
            group.start_soon(ask, tool)
    return found


def is_empty(answer: dict[str, Any] | str) -> bool:
    if isinstance(answer, str):
        return True
    return not (answer.get("found") or answer.get("locations") or answer.get("groups"))


async def until_quiescent(client: Client) -> dict[str, Any]:
    """rust-analyzer's status once it says it is quiescent (its workspace fully loaded and primed)."""
    deadline = time.monotonic() + QUIESCENT_WITHIN
    while time.monotonic() < deadline:
        status = ra_structured("rust_analyzer_status", await client.call_tool("rust_analyzer_status", {}))
        workspaces = status.get("workspaces") or []
        if workspaces and all(w.get("quiescent") for w in workspaces):
            return status
        await anyio.sleep(0.5)
    raise AssertionError(f"rust-analyzer was not quiescent within {QUIESCENT_WITHIN:.0f} s")


async def early_against_settled(root: Path, question: Question) -> list[str]:
    """One cold start: what differs between the first answers and those after quiescence."""
    at = position(root, question)
    params = server_params(
        "rust-analyzer-mcp", "--root", str(root), "--ready-timeout", "600", "--answer-deadline", "610"
    )
    async with Client(params, mode="legacy", read_timeout_seconds=900) as client:
        before = ra_structured("rust_analyzer_status", await client.call_tool("rust_analyzer_status", {}))
        early = await answers(client, at)
        await until_quiescent(client)
        settled = await answers(client, at)
    problems = [
        f"{tool}: early answer empty or refused: {early[tool]}" for tool in TOOLS if is_empty(early[tool])
    ]
    problems += [
        f"{tool}: answer after quiescence empty: {settled[tool]}" for tool in TOOLS if is_empty(settled[tool])
    ]
    problems += [
        f"{tool}: early answer differs\n  early:   {early[tool]}\n  settled: {settled[tool]}"
        for tool in TOOLS
        if early[tool] != settled[tool]
    ]
    assert not any(w.get("ready") for w in before.get("workspaces") or []), "the calls were not early"
    return problems


async def cold_starts(source: Path, question: Question, starts: int, scratch: Path) -> None:
    require_bubblewrap()
    require_rust_analyzer()
    problems: list[str] = []
    for start in range(starts):
        root = scratch / f"start-{start}"
        shutil.copytree(source, root, ignore=shutil.ignore_patterns("target"))
        problems += [f"cold start {start + 1}: {p}" for p in await early_against_settled(root, question)]
    assert not problems, "\n".join(problems)


@pytest.mark.real
async def test_first_answers_on_a_cold_start_are_the_settled_answers(tmp_path: Path) -> None:
    await cold_starts(FIXTURES / "workspace", FIXTURE, COLD_STARTS, tmp_path)


@pytest.mark.corpus
async def test_first_answers_on_a_cold_ripgrep_are_the_settled_answers(tmp_path: Path) -> None:
    source = copy(RIPGREP, tmp_path / "source")
    await cold_starts(source, RIPGREP_QUESTION, 1, tmp_path)
