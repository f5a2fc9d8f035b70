"""Two builds of rust-analyzer-mcp asked the same questions on one copy of the ripgrep corpus: the
answers of every tool that lists locations must be the same, byte for byte (text and structured
content), except that the same lines may come in another order where rust-analyzer's own order
changes from one of its processes to the next (implementations, call hierarchy). For changes meant to be
invisible, such as how locations are resolved.

    .venv/bin/python -m bench.same_answers OTHER_CHECKOUT/.venv/bin/rust-analyzer-mcp
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.types import TextContent

from rust_mcp.dev.corpus import RIPGREP, copy

from .servers import OURS, base_env

QUESTIONS: list[tuple[str, dict[str, Any]]] = [
    ("rust_analyzer_references", {"symbol": "Sink"}),
    ("rust_analyzer_references", {"symbol": "Searcher::new"}),
    ("rust_analyzer_references", {"symbol": "Matcher", "limit": 500}),
    ("rust_analyzer_references", {"symbol": "SinkMatch", "include_declaration": False}),
    ("rust_analyzer_definition", {"symbol": "SearcherBuilder::build", "include_body": True}),
    ("rust_analyzer_type_definition", {"symbol": "Searcher::new"}),
    ("rust_analyzer_implementations", {"symbol": "Matcher", "include_body": True}),
    ("rust_analyzer_implementations", {"symbol": "Sink"}),
    ("rust_analyzer_call_hierarchy", {"symbol": "Searcher::search_path"}),
    ("rust_analyzer_call_hierarchy", {"symbol": "Searcher::new", "direction": "incoming"}),
    ("rust_analyzer_workspace_symbol", {"query": "new", "limit": 200}),
    ("rust_analyzer_workspace_symbol", {"query": "Matcher", "with_dependencies": True}),
    ("rust_analyzer_workspace_symbol", {"query": "find", "types_only": False}),
    ("rust_analyzer_hover", {"symbol": "Searcher"}),
]


async def answers(server: Path, root: Path) -> list[str]:
    params = StdioServerParameters(command=str(server), args=["--root", str(root)], env=base_env())
    found: list[str] = []
    async with Client(params, mode="legacy", read_timeout_seconds=900) as client:
        for _round in ("warm-up", "recorded"):  # the first answers may come while analysis goes on
            found = []
            for tool, arguments in QUESTIONS:
                result = await client.call_tool(tool, {**arguments, "workspace": str(root)})
                text = "\n".join(b.text for b in result.content if isinstance(b, TextContent))
                lines = text.split("\n")  # one JSON line each, so a reordering shows as one
                found.append(json.dumps([result.is_error, lines, result.structured_content], indent=1))
    return found


def _lines(answer: str) -> list[str]:
    """The JSON lines of an answer in sorted order, without the commas that follow all but a last item."""
    return sorted(line.rstrip(",") for line in answer.split("\n"))


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("other", type=Path, help="the other build's rust-analyzer-mcp")
    parser.add_argument("--keep", type=Path, help="write differing answers to this directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rust-mcp-same-") as scratch:
        root = copy(RIPGREP, Path(scratch))
        theirs = await answers(args.other, root)
        ours = await answers(OURS / "rust-analyzer-mcp", root)
    differing = 0
    for number, ((tool, arguments), a, b) in enumerate(zip(QUESTIONS, theirs, ours, strict=True)):
        same = a == b
        # rust-analyzer lists implementations in an order that changes between its processes
        reordered = not same and _lines(a) == _lines(b)
        differing += not (same or reordered)
        if not same and args.keep is not None:
            for side, answer in (("other", a), ("ours", b)):
                (args.keep / f"{number}-{tool}-{side}.json").write_text(answer)
        verdict = "same" if same else "reordered" if reordered else "DIFFERENT"
        print(f"{verdict:9} {len(b):7} bytes  {tool} {arguments}")
    print(f"{len(QUESTIONS) - differing} of {len(QUESTIONS)} answers the same (or the same lines reordered)")
    print(
        "(two runs of one build differ the same way: rust-analyzer orders some lists differently per process)"
    )
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
