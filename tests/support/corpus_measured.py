"""The large corpus's measured session (every answer's size noted, for the budget test) and its
call-hierarchy check paged to the end against a raw rust-analyzer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mcp_types import CallToolResult

from tests.support import text_of
from tests.support.corpus_support import Checker, CorpusSession, locate
from tests.support.corpus_truth import uri_path


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


async def check_callers_paged(session: CorpusSession, checker: Checker, called: tuple[str, str, str]) -> None:
    """Incoming calls of the function at `called` (file, pattern, name), every page, against raw."""
    path, line, column = locate(session.root, *called)
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
    arguments = {
        "file_path": str(path),
        "line": line,
        "column": column,
        "direction": "incoming",
        "limit": 20,
    }
    result, body = await session.ra_whole("rust_analyzer_call_hierarchy", arguments)
    ours = {(entry["location"]["path"], entry["location"]["line"]) for entry in body.get("incoming", [])}
    checker.check(
        "rust_analyzer_call_hierarchy",
        not result.is_error and len(truth) > 20 and ours == truth,
        f"{len(ours)} callers listed (after following every page), rust-analyzer has {len(truth)}; "
        f"missing {sorted(truth - ours)[:3]}; note {body.get('note')!r}",
    )
