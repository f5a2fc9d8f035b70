"""Figures the reliability tests measure as they run (cases tried, escapes, orphans, latencies, peak
memory). When RUST_MCP_FIGURES names a file, each figure is appended to it as one JSON line;
`bench/reliability.py` runs the tests that way and prints the table."""

from __future__ import annotations

import json
import os
from pathlib import Path

from rust_mcp.core.json_nesting import parse_json

FIGURES_ENV = "RUST_MCP_FIGURES"


def record(name: str, value: float | int | str, *, add: bool = False) -> None:
    """Record a figure; with `add`, it is summed with what other tests record under the same name."""
    target = os.environ.get(FIGURES_ENV)
    if not target:
        return
    with Path(target).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"name": name, "value": value, "add": add}) + "\n")


def read_figures(path: Path) -> dict[str, float | int | str]:
    """The figures of one run: summed where recorded with `add`, else the last value."""
    figures: dict[str, float | int | str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            row = parse_json(line)
            name, value = row["name"], row["value"]
            previous = figures.get(name)
            if row["add"] and isinstance(previous, int | float) and isinstance(value, int | float):
                value = previous + value
            figures[name] = value
    return figures
