"""ra_mcp overhead, measured in one run on one machine:

1. Warm hover / definition / references through rust-analyzer-mcp (a real stdio MCP client) against
   the same requests sent straight to a rust-analyzer on the same fixture, interleaved, median of N.
2. Cold: from the first tool call to the first correct answer, against rust-analyzer's own time from
   spawn to quiescent, and from spawn to its own first answer to the same definition request
   (rust-analyzer does part of its analysis lazily, on the first request after quiescence), each
   on a fresh copy of the fixture (no target/ yet), interleaved, median of M.

Run: .venv/bin/python -m bench.ra_overhead [--runs 30] [--cold-runs 5]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from lsprotocol import types as lsp
from mcp import Client

from bench.common import BIN, fixture_copy, median, ms, stdio
from ra_mcp.lsp.client import AnalyzerClient
from ra_mcp.lsp.discovery import find_analyzer, std_sources_env

POINT = "Point::new(3.0"  # app/src/main.rs line 16, after 'é', 'ö' and '🦀'


def _position(main: Path) -> tuple[int, int]:
    line = 16
    column = main.read_text().split("\n")[line - 1].index(POINT) + 1
    return line, column


async def _direct_client(root: Path) -> AnalyzerClient:
    extra, _ = std_sources_env()
    client = AnalyzerClient(root, find_analyzer(), {**os.environ, **extra})
    await client.start()
    while not client.state.quiescent:
        client.state.changed.clear()
        with anyio.move_on_after(1):
            await client.state.changed.wait()
    return client


async def _no_revalidation(name: str, result: Any) -> None:
    return None


async def warm(runs: int) -> dict[str, tuple[list[float], list[float], list[float]]]:
    base = fixture_copy("workspace")
    root = base / "workspace"
    main = root / "app" / "src" / "main.rs"
    line, column = _position(main)
    document = lsp.TextDocumentIdentifier(uri=main.as_uri())
    position = lsp.Position(line=line - 1, character=column - 1)
    direct = await _direct_client(root)
    requests: dict[str, tuple[Callable[[], Awaitable[Any]], str, dict[str, Any]]] = {
        "hover": (
            lambda: direct.request(
                lsp.TEXT_DOCUMENT_HOVER, lsp.HoverParams(text_document=document, position=position)
            ),
            "rust_analyzer_hover",
            {"file_path": str(main), "line": line, "column": column},
        ),
        "definition": (
            lambda: direct.request(
                lsp.TEXT_DOCUMENT_DEFINITION, lsp.DefinitionParams(text_document=document, position=position)
            ),
            "rust_analyzer_definition",
            {"file_path": str(main), "line": line, "column": column},
        ),
        "references": (
            lambda: direct.request(
                lsp.TEXT_DOCUMENT_REFERENCES,
                lsp.ReferenceParams(
                    text_document=document,
                    position=position,
                    context=lsp.ReferenceContext(include_declaration=True),
                ),
            ),
            "rust_analyzer_references",
            {"file_path": str(main), "line": line, "column": column},
        ),
    }
    timings: dict[str, tuple[list[float], list[float], list[float]]] = {
        name: ([], [], []) for name in requests
    }
    params = stdio(str(BIN / "rust-analyzer-mcp"), "--root", str(base))
    try:
        async with Client(params, mode="legacy", read_timeout_seconds=300) as client:
            for _, tool, arguments in requests.values():  # warm both sides up
                result = await client.call_tool(tool, arguments)
                assert not result.is_error, result
            for send, _, _ in requests.values():
                await send()
            stock_validation = client.session.validate_tool_result
            for _ in range(runs):
                for name, (send, tool, arguments) in requests.items():
                    started = time.perf_counter()
                    await send()
                    timings[name][0].append(time.perf_counter() - started)
                    # the SDK client re-validates every result against the output schema with
                    # jsonschema; that is the client's cost, so time the server without it too
                    client.session.validate_tool_result = _no_revalidation  # type: ignore[method-assign]
                    started = time.perf_counter()
                    result = await client.call_tool(tool, arguments)
                    timings[name][1].append(time.perf_counter() - started)
                    client.session.validate_tool_result = stock_validation  # type: ignore[method-assign]
                    started = time.perf_counter()
                    result = await client.call_tool(tool, arguments)
                    timings[name][2].append(time.perf_counter() - started)
                    assert not result.is_error
    finally:
        await direct.shutdown()
    return timings


async def cold_direct() -> tuple[float, float]:
    """(spawn to quiescent, spawn to the first answer of the definition the served run asks for)."""
    root = fixture_copy("workspace") / "workspace"
    main = root / "app" / "src" / "main.rs"
    line, column = _position(main)
    started = time.perf_counter()
    client = await _direct_client(root)
    quiescent = time.perf_counter() - started
    item = lsp.TextDocumentItem(uri=main.as_uri(), language_id="rust", version=1, text=main.read_text())
    client.notify(lsp.TEXT_DOCUMENT_DID_OPEN, lsp.DidOpenTextDocumentParams(text_document=item))
    answer = await client.request(
        lsp.TEXT_DOCUMENT_DEFINITION,
        lsp.DefinitionParams(
            text_document=lsp.TextDocumentIdentifier(uri=main.as_uri()),
            position=lsp.Position(line=line - 1, character=column - 1),
        ),
    )
    answered = time.perf_counter() - started
    assert answer, "rust-analyzer gave no definition"
    await client.shutdown()
    return quiescent, answered


async def cold_served() -> tuple[float, float]:
    """(first call to correct answer, server start to correct answer)."""
    base = fixture_copy("workspace")
    main = base / "workspace" / "app" / "src" / "main.rs"
    line, column = _position(main)
    started = time.perf_counter()
    async with Client(
        stdio(str(BIN / "rust-analyzer-mcp"), "--root", str(base)), mode="legacy", read_timeout_seconds=300
    ) as client:
        called = time.perf_counter()
        result = await client.call_tool(
            "rust_analyzer_definition", {"file_path": str(main), "line": line, "column": column}
        )
        answered = time.perf_counter()
        assert not result.is_error and result.structured_content is not None
        assert result.structured_content["locations"][0]["path"] == "geometry/src/lib.rs", result
    return answered - called, answered - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--cold-runs", type=int, default=5)
    args = parser.parse_args()

    timings = anyio.run(warm, args.runs)
    print(f"warm requests on the workspace fixture, median of {args.runs} (same run, interleaved)")
    print(f"  {'request':<12}{'direct':>11}{'via server':>13}{'added':>11}{'SDK client*':>14}{'added':>11}")
    for name, (direct, served, stock) in timings.items():
        added = (median(served) - median(direct)) * 1000
        added_stock = (median(stock) - median(direct)) * 1000
        row = f"  {name:<12}{ms(direct):>11}{ms(served):>13}{added:>8.1f} ms"
        print(f"{row}{ms(stock):>14}{added_stock:>8.1f} ms")
    print("  target: under 5 ms added at the median (server column).")
    print("  * the stock Python SDK client also re-validates each result against the output schema with")
    print("    jsonschema; that client-side cost is shown separately.")

    quiescents, own_answers, firsts, totals = [], [], [], []
    for _ in range(args.cold_runs):
        quiescent, own = anyio.run(cold_direct)
        quiescents.append(quiescent)
        own_answers.append(own)
        first, total = anyio.run(cold_served)
        firsts.append(first)
        totals.append(total)
    first = median(firsts)
    print(f"cold start on a fresh copy (no target/), median of {args.cold_runs}, interleaved")
    print(f"  rust-analyzer spawn to quiescent              {ms(quiescents)}")
    print(f"  rust-analyzer spawn to its own first answer   {ms(own_answers)}")
    to_quiescent = (first / median(quiescents) - 1) * 100
    to_own = (first / median(own_answers) - 1) * 100
    label = "rust-analyzer-mcp first call to right answer"
    print(f"  {label}  {ms(firsts)}   ({to_quiescent:+.1f} % of quiescent, target within 10 %;")
    print(f"  {'':46}{'':11}   {to_own:+.1f} % of rust-analyzer's own first answer)")
    print(
        f"  rust-analyzer-mcp process start to answer     {ms(totals)}   (includes the server's own start-up)"
    )


if __name__ == "__main__":
    main()
