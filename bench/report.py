"""The printed report: aligned rows of raw / anchor / ours with the ratio ours / anchor, echoed as
they are made and kept for bench/results/."""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
RESULTS = Path(__file__).resolve().parent / "results"  # gitignored; $BENCH_RESULTS_DIR overrides
LABEL_WIDTH = 44
COLUMN_WIDTH = 14


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def in_turn(items: Sequence[T], run: int) -> list[T]:
    """`items` rotated by `run`: each run starts with the next side, so that no side always goes
    first (or always follows the same one) in an interleaved measurement."""
    shift = run % len(items) if items else 0
    return [*items[shift:], *items[:shift]]


def added(values: Sequence[float], baseline: Sequence[float]) -> float | None:
    """The median of the paired differences (run i of `values` minus run i of `baseline`): what one
    side adds over the other when both were measured back to back, with the machine's drift
    between runs cancelled out."""
    pairs = [value - base for value, base in zip(values, baseline, strict=False)]
    return statistics.median(pairs) if pairs else None


def counted(outcomes: Counter[str]) -> str:
    """`3 empty, 1 wrong`: how many answers of each kind, or `none`."""
    return ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())) or "none"


def ms(value: float | None) -> str:
    return "—" if value is None else f"{value * 1000:.1f} ms"


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def chars(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def kib(value: float | None) -> str:
    return "—" if value is None else f"{value / 1024:.1f} MiB"


def ratio(ours: float | None, anchor: float | None) -> str:
    if ours is None or anchor is None or anchor == 0:
        return "—"
    return f"{ours / anchor:.2f}×"


class Report:
    def __init__(self, title: str) -> None:
        self.lines: list[str] = []
        self.started = time.strftime("%Y-%m-%d %H:%M:%S")
        self.say(f"{title} — {self.started}")

    def say(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)

    def section(self, title: str) -> None:
        self.say()
        self.say(title)
        header = f"  {'':<{LABEL_WIDTH}}{'raw / floor':>{COLUMN_WIDTH}}{'anchor':>{COLUMN_WIDTH}}"
        self.say(f"{header}{'ours':>{COLUMN_WIDTH}}{'ours/anchor':>{COLUMN_WIDTH}}")

    def row(
        self,
        label: str,
        raw: str,
        anchor: str,
        ours: str,
        relation: str = "",
    ) -> None:
        cells = (
            f"{raw:>{COLUMN_WIDTH}}{anchor:>{COLUMN_WIDTH}}{ours:>{COLUMN_WIDTH}}{relation:>{COLUMN_WIDTH}}"
        )
        self.say(f"  {label:<{LABEL_WIDTH}}{cells}".rstrip())

    def note(self, text: str) -> None:
        self.say(f"    {text}")

    def write(self, name: str = "compare") -> Path:
        directory = Path(os.environ.get("BENCH_RESULTS_DIR") or RESULTS)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.txt"
        path.write_text("\n".join(self.lines) + "\n")
        return path
