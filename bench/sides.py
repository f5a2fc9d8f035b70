"""The three ways of asking the corpus query (hover / definition / references at the use of
`SearcherBuilder`): raw rust-analyzer over LSP, the Rust anchor's tools, ours. Each answer is timed
(the request alone) and judged against the ground truth: right, empty, wrong or error."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from rust_mcp.core.paging import next_page_offset

from . import truth as t
from .raw_ra import RawAnalyzer
from .wire import McpPeer, RpcError

Kind = Literal["hover", "definition", "references"]
KINDS: tuple[Kind, ...] = ("hover", "definition", "references")
Outcome = Literal["right", "empty", "wrong", "error"]  # error: a failure the server reported as one


def judge(truth: t.Truth, kind: Kind, hover: str | None, places: list[tuple[str, int]]) -> Outcome:
    if kind == "hover":
        if not hover:
            return "empty"
        return "right" if t.hover_is_right(truth, hover) else "wrong"
    if not places:
        return "empty"
    check = t.definition_is_right if kind == "definition" else t.references_are_right
    return "right" if check(truth, places) else "wrong"


class Side:
    label: str
    truth: t.Truth

    async def _send(self, kind: Kind) -> Any:
        raise NotImplementedError

    def _read(self, kind: Kind, answer: Any) -> tuple[str | None, list[tuple[str, int]]]:
        raise NotImplementedError

    async def ask(self, kind: Kind) -> tuple[float, Outcome]:
        """(seconds the request took, how right the answer was)."""
        started = time.perf_counter()
        try:
            answer = await self._send(kind)
        except RpcError:
            return time.perf_counter() - started, "error"
        elapsed = time.perf_counter() - started
        if answer is None:
            return elapsed, "empty"
        if isinstance(answer, Mapping) and answer.get("isError"):
            return elapsed, "error"
        hover, places = self._read(kind, answer)
        return elapsed, judge(self.truth, kind, hover, places)


class RawSide(Side):
    def __init__(self, analyzer: RawAnalyzer, truth: t.Truth, label: str = "raw rust-analyzer") -> None:
        self.analyzer, self.truth, self.label = analyzer, truth, label

    async def _send(self, kind: Kind) -> Any:
        at = (self.truth.use_path, self.truth.use_line, self.truth.use_column)
        if kind == "hover":
            return await self.analyzer.hover(*at)
        if kind == "definition":
            return await self.analyzer.definition(*at)
        return await self.analyzer.references(*at)

    def _read(self, kind: Kind, answer: Any) -> tuple[str | None, list[tuple[str, int]]]:
        return t.lsp_hover_text(answer), t.lsp_places(self.truth.root, answer)


class McpSide(Side):
    """An MCP server's rust_analyzer_hover / _definition / _references tools."""

    def __init__(self, peer: McpPeer, truth: t.Truth, label: str) -> None:
        self.peer, self.truth, self.label = peer, truth, label

    def arguments(self, kind: Kind) -> dict[str, Any]:
        raise NotImplementedError

    async def _send(self, kind: Kind) -> Any:
        return await self.peer.call(f"rust_analyzer_{kind}", self.arguments(kind))


class AnchorSide(McpSide):
    """rust-analyzer-mcp 0.4: `file_path`, 0-based `line` and `character` (UTF-16), and the raw LSP
    answer pretty-printed as JSON text."""

    def arguments(self, kind: Kind) -> dict[str, Any]:
        return {
            "file_path": str(self.truth.use_path),
            "line": self.truth.use_line,
            "character": self.truth.use_column,
        }

    def _read(self, kind: Kind, answer: Any) -> tuple[str | None, list[tuple[str, int]]]:
        text = text_of(answer)
        try:
            value = json.loads(text)
        except ValueError:
            return None, []
        return t.lsp_hover_text(value), t.lsp_places(self.truth.root, value)


class OurSide(McpSide):
    """Ours: `file_path`, 1-based `line` and `column` (characters); answers in structuredContent."""

    def arguments(self, kind: Kind) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "file_path": str(self.truth.use_path),
            "line": self.truth.use_line + 1,
            "column": self.truth.use_column + 1,
        }
        if kind == "references":
            arguments["limit"] = 1000  # as many as fit one page; the rest by offset, below
        return arguments

    async def _send(self, kind: Kind) -> Any:
        """One call, or for references every page (a page fits the answer budget; the others
        return every reference at once), the pages' structured groups put together."""
        answer = await super()._send(kind)
        if kind != "references":
            return answer
        pages = [answer]
        while (following := next_offset(pages[-1])) is not None and len(pages) < MAX_PAGES:
            pages.append(
                await self.peer.call(
                    "rust_analyzer_references", {**self.arguments(kind), "offset": following}
                )
            )
        groups = [g for page in pages for g in (page.get("structuredContent") or {}).get("groups", [])]
        return {**answer, "structuredContent": {**(answer.get("structuredContent") or {}), "groups": groups}}

    def _read(self, kind: Kind, answer: Any) -> tuple[str | None, list[tuple[str, int]]]:
        structured = answer.get("structuredContent") or {}
        hover = structured.get("markdown") if isinstance(structured, Mapping) else None
        places = [(path, line - 1) for path, line in located(structured)]
        return hover or (text_of(answer) if kind == "hover" else None), places


MAX_PAGES = 50


def next_offset(answer: Mapping[str, Any]) -> int | None:
    """The offset a paged answer says to ask for next (in its structured note), if any."""
    return next_page_offset((answer.get("structuredContent") or {}).get("note"))


def text_of(result: Mapping[str, Any]) -> str:
    return "\n".join(
        block.get("text", "") for block in result.get("content", []) if block.get("type") == "text"
    )


def located(value: Any) -> Iterator[tuple[str, int]]:
    """Every {path, line} object inside a structured answer, wherever the model nests it."""
    if isinstance(value, Mapping):
        if isinstance(value.get("path"), str) and isinstance(value.get("line"), int):
            yield value["path"], value["line"]
        for item in value.values():
            yield from located(item)
    elif isinstance(value, list):
        for item in value:
            yield from located(item)
