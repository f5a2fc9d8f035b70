"""The corpus checks' verdicts (tool x corpus -> right / wrong): recorded by the corpus tests as they
run (to RUST_MCP_CORPUS_VERDICTS when set), printed as a table by the test run's summary and by
`python -m bench.corpus_check`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

VERDICTS_ENV = "RUST_MCP_CORPUS_VERDICTS"
VERDICTS: list[dict[str, Any]] = []  # this process's verdicts, for the test run's summary table


def record_verdict(corpus: str, tool: str, right: bool, detail: str = "") -> None:
    row = {"corpus": corpus, "tool": tool, "right": right, "detail": detail[:500]}
    VERDICTS.append(row)
    target = os.environ.get(VERDICTS_ENV)
    if target:
        with Path(target).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")


def verdict_table(rows: list[dict[str, Any]]) -> list[str]:
    """tool x corpus -> right / WRONG / - (not run); a tool is right on a corpus when every check of
    it there was right."""
    corpora = sorted({row["corpus"] for row in rows}, key=lambda name: (name != "ripgrep", name))
    cells: dict[tuple[str, str], bool] = {}
    for row in rows:
        key = (row["tool"], row["corpus"])
        cells[key] = cells.get(key, True) and bool(row["right"])
    tools = sorted({row["tool"] for row in rows}, key=lambda name: (not name.startswith("cargo"), name))
    width = max((len(tool) for tool in tools), default=10)
    lines = [f"{'tool':<{width}}  " + "  ".join(f"{name:<8}" for name in corpora)]
    for tool in tools:
        marks = []
        for corpus in corpora:
            state = cells.get((tool, corpus))
            marks.append(f"{'-' if state is None else 'right' if state else 'WRONG':<8}")
        lines.append(f"{tool:<{width}}  " + "  ".join(marks))
    wrong = [row for row in rows if not row["right"]]
    lines.append(f"{len(cells)} tool x corpus cells checked; {len(wrong)} wrong check(s)")
    lines += [f"  WRONG {row['tool']} on {row['corpus']}: {row['detail']}" for row in wrong]
    return lines
