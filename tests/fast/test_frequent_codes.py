"""Fast tier: a diagnostics list longer than a page names its most frequent codes (lints, error codes)
with their counts, in counts.by_code and in the page's hint, so a model facing 840 pedantic warnings
sees what they are without reading 134 pages; a list of one page says nothing more than before.
The messages are cargo's `compiler-message` JSON lines as `cargo clippy --message-format=json` prints
them, fed to the collector cargo-mcp uses."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from mcp_types import CallToolResult, TextContent

from cargo_mcp.results import render
from rust_mcp.core.compiler_messages import CODES_LISTED, MAX_CODE_CHARS, CompilerMessages
from tests.support.answer_budget import budget_problems
from tests.support.cargo_results import cargo_result

ROOT = "/p"


def _line(index: int, code: str | None, level: str = "warning") -> str:
    text = f"{code or 'something'} number {index}"
    span = {
        "file_name": "src/lib.rs",
        "line_start": index + 1,
        "line_end": index + 1,
        "column_start": 1,
        "column_end": 5,
        "is_primary": True,
        "label": None,
    }
    message = {
        "message": text,
        "code": {"code": code, "explanation": None} if code else None,
        "level": level,
        "spans": [span],
        "children": [],
        "rendered": f"{level}: {text}\n --> src/lib.rs:{index + 1}:1\n",
    }
    return json.dumps({"reason": "compiler-message", "package_id": "p 0.1.0", "message": message})


def _collected(codes: Sequence[str | None]) -> CompilerMessages:
    messages = CompilerMessages(workspace_root=Path(ROOT))
    for index, code in enumerate(codes):
        assert messages.feed(_line(index, code))
    return messages


def _answer(messages: CompilerMessages, offset: int = 0) -> CallToolResult:
    ranked = messages.ranked()
    result = cargo_result(
        tool="cargo_clippy",
        diagnostics=ranked[offset : offset + 200],
        counts=messages.counts.model_copy(update={"offset": offset, "by_code": messages.most_frequent()}),
        log_path="/tmp/logs/cargo-1.log",
    )
    shaped = render.shape_for_model(result)
    return CallToolResult(
        content=[TextContent(type="text", text=render.result_text(shaped))],
        structured_content=shaped.model_dump(mode="json", exclude_defaults=True),
    )


def test_a_long_list_names_its_most_frequent_codes_on_every_page() -> None:
    codes: list[str | None] = [*["clippy::doc_markdown"] * 300, *["clippy::must_use_candidate"] * 120]
    codes += [*(f"clippy::rare_{k}" for k in range(10)), *[None] * 5]
    messages = _collected(codes)
    for offset in (0, 25, 425):
        answer = _answer(messages, offset)
        content = answer.structured_content
        assert content is not None
        by_code = content["counts"]["by_code"]
        assert list(by_code.items())[:2] == [
            ("clippy::doc_markdown", 300),
            ("clippy::must_use_candidate", 120),
        ]
        assert len(by_code) == CODES_LISTED
        text = answer.content[0].text  # type: ignore[union-attr]
        assert (
            "most frequent: clippy::doc_markdown 300, clippy::must_use_candidate 120, clippy::rare_0 1"
            in text
        )
        assert budget_problems(answer) == []


def test_a_list_of_one_page_is_answered_as_before() -> None:
    messages = _collected(["unused_variables"] * 3 + ["dead_code"] * 2)
    answer = _answer(messages)
    content = answer.structured_content
    assert content is not None
    assert "by_code" not in content["counts"]
    assert "most frequent" not in answer.content[0].text  # type: ignore[union-attr]


def test_a_code_and_message_a_wrapper_made_up_are_cut_to_fit() -> None:
    made_up = "x" * 5_000
    messages = _collected([made_up] * 40)
    assert messages.most_frequent() == {"x" * MAX_CODE_CHARS: 40}
    again = _collected([made_up] * 40)
    again.feed(_line(0, made_up))  # the same message again: counted once, as the list counts it
    assert again.most_frequent() == {"x" * MAX_CODE_CHARS: 40}
    assert budget_problems(_answer(messages, 0)) == []
