"""Fast tier: stdout lines that look like cargo's JSON but are not (a `cargo run` program, a test or a
rustc wrapper can print anything) are a program's output, never a crash that loses the answer; and
diagnostics whose JSON is longer than their text (quotes, control characters: a wrapper's made-up
messages and codes) are still answered within the structured budget."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcp_types import CallToolResult, TextContent

from cargo_mcp.parse.collector import OutputCollector
from cargo_mcp.results import render
from rust_mcp.core.compiler_messages import CompilerMessages
from tests.support.answer_budget import budget_problems
from tests.support.cargo_results import cargo_result

SPAN = {"file_name": "src/lib.rs", "line_start": 1, "line_end": 1, "column_start": 1, "column_end": 2}
GOOD: dict[str, Any] = {
    "message": "unused variable: `x`",
    "code": {"code": "unused_variables"},
    "level": "warning",
    "spans": [{**SPAN, "is_primary": True}],
    "children": [{"message": "c", "level": "help", "spans": [{**SPAN, "suggested_replacement": "_x"}]}],
    "rendered": "warning: unused variable: `x`",
}
NOT_OBJECTS: list[object] = [1, "s", [1], True, 1.5]  # where cargo writes an object
NOT_NUMBERS: list[object] = [None, "s", [1], {"a": 1}, "9" * 5000]  # where cargo writes a line number


def _malformed() -> list[dict[str, Any]]:
    """compiler-message payloads with one part of another shape than cargo's (each crashed the call)."""
    found: list[dict[str, Any]] = [{"message": None}, {"message": {**GOOD, "message": None}}]
    for value in NOT_OBJECTS:
        found += [{"message": value}, {"message": GOOD, "target": value}]
        found += [{"message": {**GOOD, "spans": [value]}}, {"message": {**GOOD, "children": [value]}}]
        found += [{"message": {**GOOD, key: value}} for key in ("spans", "children") if value is not True]
    found += [{"message": {**GOOD, "spans": [{**SPAN, "line_start": value}]}} for value in NOT_NUMBERS]
    return [{"reason": "compiler-message", **payload} for payload in found]


def test_a_program_printing_cargo_shaped_lines_keeps_them_as_its_output() -> None:
    collector = OutputCollector(output="run", workspace_root=Path("/p"))
    malformed = _malformed()
    for payload in malformed:
        assert collector.on_stdout(json.dumps(payload)) is True, payload  # kept as the program's line
    assert collector.program_lines == len(malformed)
    assert collector.messages.counts.total == 0 and collector.messages.diagnostics == []
    assert collector.on_stdout(json.dumps({"reason": "compiler-message", "message": GOOD})) is False
    assert collector.messages.counts.warnings == 1
    assert collector.messages.diagnostics[0].code == "unused_variables"


def _answer(text: str) -> CallToolResult:
    messages = CompilerMessages(workspace_root=Path("/p"))
    for index in range(40):
        junk = text * 5000 + str(index)
        message = {**GOOD, "message": junk, "code": {"code": junk}, "level": "error", "rendered": junk}
        assert messages.feed(json.dumps({"reason": "compiler-message", "message": message}))
    counts = messages.counts.model_copy(update={"by_code": messages.most_frequent()})
    shaped = render.shape_for_model(
        cargo_result(diagnostics=messages.ranked(), counts=counts, log_path="/tmp/logs/cargo-1.log")
    )
    return CallToolResult(
        content=[TextContent(type="text", text=render.result_text(shaped))],
        structured_content=shaped.model_dump(mode="json", exclude_defaults=True),
    )


def test_diagnostics_whose_json_is_longer_than_their_text_fit_the_budget() -> None:
    for text in ('"', "\\", "\u0001", "x"):
        answer = _answer(text)
        assert budget_problems(answer) == [], repr(text)
        content = answer.structured_content
        assert content is not None and content["counts"]["errors"] == 40 and content["diagnostics"]


def test_a_message_naming_a_link_loop_is_counted_without_its_absolute_path(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    messages = CompilerMessages(workspace_root=tmp_path)
    message = {**GOOD, "level": "error", "spans": [{**SPAN, "file_name": "a/x.rs", "is_primary": True}]}
    assert messages.feed(json.dumps({"reason": "compiler-message", "message": message}))
    assert messages.counts.errors == 1
    assert messages.diagnostics[0].file == "a/x.rs" and messages.diagnostics[0].absolute_path is None
