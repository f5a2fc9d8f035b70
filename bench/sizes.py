"""What a model pays for (issue 12): characters of the tool definitions and of the answers to the
same queries, ours next to the Rust anchors'.

- A tool definition: name + description + inputSchema (compact JSON), what a client sends the model
  for each tool; the whole `tools/list` result (compact JSON, output schemas included).
- An answer: its text content plus its structuredContent (compact JSON), since clients such as
  Codex pass the model the structured result when there is one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rust_mcp.core.budgets import compact_json, definition_chars

from . import truth as t
from .sides import text_of
from .wire import McpPeer, RpcError

INJECTED_FILE = "ripgrep/crates/core/main.rs"
INJECTED_ERROR = "mismatched types"  # what a diagnostics answer must mention to count
# one error (mismatched types) and two warnings (unused variable, dead code), in the binary crate
INJECTED_CODE = """

fn bench_injected_problem() -> u32 {
    let unused_value = 1;
    "not a number"
}
"""


compact = compact_json


@dataclass(frozen=True)
class Definitions:
    tools: int
    definition_chars: int  # name + description + inputSchema, summed over the tools
    whole_chars: int  # the whole tools/list result

    @property
    def per_tool(self) -> float:
        return self.definition_chars / self.tools if self.tools else 0.0


def definitions(tools_list: Mapping[str, Any]) -> Definitions:
    tools = tools_list.get("tools", [])
    total = sum(
        definition_chars(tool["name"], tool.get("description"), tool.get("inputSchema", {})) for tool in tools
    )
    return Definitions(tools=len(tools), definition_chars=total, whole_chars=len(compact(tools_list)))


@dataclass(frozen=True)
class AnswerSize:
    text: int
    structured: int
    error: bool
    found: bool | None = None  # whether the answer holds what the query expects (None: not asked)

    @property
    def total(self) -> int:
        return self.text + self.structured


def answer_size(result: Mapping[str, Any], expect: str | None = None) -> AnswerSize:
    text = text_of(result)
    structured = result.get("structuredContent")
    json_text = compact(structured) if structured is not None else ""
    return AnswerSize(
        text=len(text),
        structured=len(json_text),
        error=bool(result.get("isError")),
        found=None if expect is None else (expect in text or expect in json_text),
    )


async def measure(
    peer: McpPeer, call: tuple[str, Mapping[str, Any]] | None, expect: str | None = None
) -> AnswerSize | None:
    """The size of one answer; None where the server has no such tool or the call failed."""
    if call is None:
        return None
    try:
        return answer_size(await peer.call(call[0], call[1], timeout=600), expect)
    except (RpcError, TimeoutError):
        return None


def largest_source(root: Path) -> Path:
    return max(
        (p for p in root.rglob("*.rs") if "target" not in p.relative_to(root).parts),
        key=lambda p: p.stat().st_size,
    )


Call = tuple[str, dict[str, Any]]  # (tool, arguments)
Query = tuple[str, Call | None, Call | None]  # (what is asked, the anchor's call, ours); None: no such tool


def analyzer_queries(anchor: t.Truth, ours: t.Truth) -> list[Query]:
    """The same questions to both rust-analyzer servers, each in its own dialect (the anchor: 0-based
    `line`/`character`; ours: 1-based `line`/`column`); ours with its default limits."""
    anchor_at = {"file_path": str(anchor.use_path), "line": anchor.use_line, "character": anchor.use_column}
    our_at = {"file_path": str(ours.use_path), "line": ours.use_line + 1, "column": ours.use_column + 1}
    anchor_outline = {"file_path": str(largest_source(anchor.root))}
    our_outline = {"file_path": str(largest_source(ours.root))}
    return [
        (
            "references to SearcherBuilder",
            ("rust_analyzer_references", anchor_at),
            ("rust_analyzer_references", our_at),
        ),
        (
            "outline of the largest file",
            ("rust_analyzer_symbols", anchor_outline),
            ("rust_analyzer_symbols", our_outline),
        ),
        ("hover on SearcherBuilder", ("rust_analyzer_hover", anchor_at), ("rust_analyzer_hover", our_at)),
        (
            "workspace symbol SearcherBuilder",
            None,
            ("rust_analyzer_workspace_symbol", {"query": "SearcherBuilder"}),
        ),
    ]


def diagnostics_queries(anchor_root: Path, our_root: Path) -> list[Query]:
    """Asked after `inject_problem` on both copies."""
    file_diagnostics = "rust_analyzer_diagnostics"
    return [
        (
            "diagnostics of a file with an error",
            (file_diagnostics, {"file_path": str(anchor_root / INJECTED_FILE)}),
            (file_diagnostics, {"file_path": str(our_root / INJECTED_FILE)}),
        ),
        (
            "workspace diagnostics",
            ("rust_analyzer_workspace_diagnostics", {}),
            ("rust_analyzer_workspace_diagnostics", {}),
        ),
    ]


def inject_problem(root: Path) -> str:
    """Add one error and two warnings to the binary crate; returns the original text."""
    path = root / INJECTED_FILE
    original = path.read_text()
    path.write_text(original + INJECTED_CODE)
    return original


def restore(root: Path, original: str) -> None:
    (root / INJECTED_FILE).write_text(original)
