"""Answers byte-identical to before for every tool: a fresh run of tests/support/golden_answers.py's calls
(both servers over stdio, real cargo and rust-analyzer on a copy of the small fixtures) must give
exactly the recorded text, structuredContent and isError, after the narrow normalisations that
module documents. After an intended change of an answer: `python -m tests.support.golden_answers --write`,
then review the diff of tests/data/golden_answers.json.

The fast test makes sure no tool goes without a golden call and that the file matches the calls."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import pytest

from rust_mcp.dev.reference import server_tools
from tests.support import in_fresh_thread
from tests.support.golden_answers import CALLS, GOLDEN, ROOT_MARK, normalise, record, without_figures

REGENERATE = "regenerate with `.venv/bin/python -m tests.support.golden_answers --write` and review the diff"


def golden() -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = json.loads(GOLDEN.read_text())
    return answers


def test_every_listed_tool_has_a_golden_call() -> None:
    listed = {tool.name for tools in in_fresh_thread(server_tools).values() for tool in tools}
    called = {call.tool for call in CALLS}
    assert not listed - called, f"tools without a golden call (add one to CALLS): {sorted(listed - called)}"
    assert not called - listed, f"golden calls of tools no server lists: {sorted(called - listed)}"


def test_the_golden_file_holds_one_answer_per_call() -> None:
    recorded = [(entry["server"], entry["tool"], entry["why"], entry["arguments"]) for entry in golden()]
    expected = [(call.server, call.tool, call.why, call.arguments) for call in CALLS]
    assert recorded == expected, f"tests/data/golden_answers.json does not match CALLS: {REGENERATE}"


def test_the_normalisations_are_narrow() -> None:
    """Only the documented figures are replaced; the same words with other content stay."""
    root, logs = "/tmp/golden-x/fx", "/tmp/golden-x/logs"
    varying = (
        "cargo check failed (exit 101) in 0.12 s\n"
        f"full log: {logs}/20261206-092742-cargo_check-2a0d4159.log\n"
        "    Finished `dev` profile [unoptimized + debuginfo] target(s) in 0.52s\n"
        f"{root}/workspace: ready, still Indexing 100% (18/21 (getopts)) "
        "(health ok, pid 4242, 674 MB, up 24 s)"
        "\nthread 'tests::x' (88) panicked at src/lib.rs:1:1\nrust-analyzer 1.93.0 (254b59607 2026-01-19)"
    )
    assert normalise(varying, root, logs) == (
        "cargo check failed (exit 101) in <DUR> s\nfull log: <LOGS>/<STAMP>-cargo_check-<ID>.log\n"
        "    Finished `dev` profile [unoptimized + debuginfo] target(s) in <DUR>\n"
        f"{ROOT_MARK}/workspace: ready (health ok, pid <PID>, <N> MB, up <N> s)"
        "\nthread 'tests::x' (<TID>) panicked at src/lib.rs:1:1\nrust-analyzer <VERSION>"
    )
    kept = "in 0.12 seconds; pid 42; 674 MB free; up 3 s; exit 101 after 0.5s; /tmp/golden-y/fx; 1.93.0"
    assert normalise(kept, root, logs) == kept
    content = {"duration_ms": 5, "line": 3, "workspaces": [{"pid": 9, "flycheck_runs": 2, "root": "r"}]}
    assert without_figures(content) == {
        "duration_ms": "<VOLATILE>",
        "line": 3,
        "workspaces": [{"pid": "<VOLATILE>", "root": "r"}],
    }


def _shown(entry: dict[str, Any], key: str) -> list[str]:
    value = entry[key]
    if key == "structured" and isinstance(value, str):
        return value.replace(', "', ',\n"').split("\n")  # one field a line, for a readable diff
    return str(value).split("\n")


def differences(expected: list[dict[str, Any]], actual: list[dict[str, Any]]) -> list[str]:
    """One report per answer that differs (the call, then a diff of each differing part)."""
    reports = []
    for before, now in zip(expected, actual, strict=True):
        parts = [
            key for key in ("is_error", "content_types", "text", "structured") if before[key] != now[key]
        ]
        if not parts:
            continue
        lines = [f"{now['tool']} ({now['why']}) {json.dumps(now['arguments'])}: {', '.join(parts)} changed"]
        for key in parts:
            diff = difflib.unified_diff(
                _shown(before, key), _shown(now, key), "golden", "now", lineterm="", n=1
            )
            lines += [f"  {line}" for line in list(diff)[2:40]]
        reports.append("\n".join(lines))
    return reports


@pytest.mark.real
@pytest.mark.anyio
async def test_answers_are_byte_identical_to_the_golden_file(tmp_path: Path) -> None:
    expected = golden()
    assert len(expected) == len(CALLS), REGENERATE
    actual = await record(tmp_path / "golden")
    reports = differences(expected, actual)
    assert not reports, (
        f"{len(reports)} of {len(CALLS)} answers changed (if intended, {REGENERATE}):\n\n"
        + "\n\n".join(reports[:8])
    )
