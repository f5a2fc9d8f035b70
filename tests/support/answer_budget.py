"""What every answer of both servers owes a model: at most 8 KiB of text and 10 KiB of structured JSON,
and no list cut without saying so. `budget_problems` names what an answer breaks; the corpus sessions
run it on every call they make (tests/support/corpus_support.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mcp_types import CallToolResult, TextContent

from rust_mcp.core import budgets

# ra_mcp results: (list field, total field) where the list holds one page of the total
LISTS = (
    ("locations", "total"),
    ("items", "total"),
    ("incoming", "incoming_total"),
    ("outgoing", "outgoing_total"),
)


def _text(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def _nodes(nodes: list[Mapping[str, Any]]) -> int:
    return sum(1 + _nodes(node.get("children") or []) for node in nodes)


def _listed(content: Mapping[str, Any]) -> list[tuple[str, int, int]]:
    """(what, listed, total) for each list of the answer that says how long it is in all."""
    found = [
        (name, len(content[name]), int(content[total]))
        for name, total in LISTS
        if isinstance(content.get(name), list) and isinstance(content.get(total), int)
    ]
    if isinstance(content.get("groups"), list) and isinstance(content.get("total"), int):  # references
        listed = sum(len(group.get("locations") or []) for group in content["groups"])
        found.append(("references", listed, content["total"]))
    if isinstance(content.get("symbols"), list) and isinstance(content.get("total"), int):  # outline
        found.append(("symbols", _nodes(content["symbols"]), content["total"]))
    data = content.get("data")
    if isinstance(data, Mapping):  # cargo_metadata, cargo_tree
        if isinstance(data.get("members"), list) and isinstance(data.get("member_count"), int):
            found.append(("members", len(data["members"]), data["member_count"]))
        if isinstance(data.get("lines"), list) and isinstance(data.get("total_lines"), int):
            found.append(("tree lines", len(data["lines"]), data["total_lines"]))
    counts = content.get("counts")
    if isinstance(counts, Mapping) and isinstance(counts.get("total"), int):  # cargo's diagnostics
        found.append(("diagnostics", len(content.get("diagnostics") or []), counts["total"]))
    return found


def _says_so(content: Mapping[str, Any]) -> bool:
    data = content.get("data")
    page = data.get("page") if isinstance(data, Mapping) else None
    return bool(content.get("note") or content.get("hints") or page)


def budget_problems(result: CallToolResult) -> list[str]:
    """What this answer breaks: a budget (with its size), or a list cut without a note saying so."""
    problems = []
    text = len(_text(result))
    if text > budgets.ANSWER_TEXT_BUDGET:
        problems.append(f"text of {text} characters (budget {budgets.ANSWER_TEXT_BUDGET})")
    content = result.structured_content
    if not isinstance(content, Mapping):
        return problems
    size = len(budgets.compact_json(content))
    if size > budgets.ANSWER_STRUCTURED_BUDGET:
        problems.append(f"structured JSON of {size} characters (budget {budgets.ANSWER_STRUCTURED_BUDGET})")
    for what, listed, total in _listed(content):
        if listed < total and not _says_so(content):
            problems.append(f"{listed} of {total} {what} listed, and no note says so")
    return problems
