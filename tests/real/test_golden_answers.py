"""Answers byte-identical to before for every tool: a fresh run of tests/support/golden_answers.py's calls
(both servers over stdio, real cargo and rust-analyzer on a copy of the small fixtures) must give
exactly the recorded text, structuredContent and isError, after the narrow normalisations that
module documents. After an intended change of an answer: `python -m tests.support.golden_answers --write`,
then review the diff of tests/data/golden_answers.json.

tests/fast/test_golden_calls.py makes sure no tool goes without a golden call and that the file
matches the calls."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.golden_answers import CALLS, REGENERATE, golden, record


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
