"""What a bench reads from build directories: their disk, cargo's fingerprint records (which units
a run compiled), and the units a cargo-mcp run's log says it compiled."""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rust_mcp.dev import corpus

from .big import disk_bytes

RECORD = re.compile(r"^(?P<name>.+)-[0-9a-f]{16}$")
BUILT = re.compile(r"^\s*(Compiling|Checking) ", re.MULTILINE)


def build_dirs(root: Path) -> str:
    target = root / "target"
    if not target.is_dir():
        return "no target/"
    parts = [f"target/ {disk_bytes(target) / 1e9:.2f} GB"]
    for child in sorted(target.iterdir()):
        size = disk_bytes(child) if child.is_dir() else 0
        if size > 10_000_000:
            parts.append(f"{child.name} {size / 1e9:.2f}")
    return ", ".join(parts)


def records(root: Path) -> dict[str, int]:
    """cargo's fingerprint records in every build directory under target/, with their mtimes: cargo
    writes a unit's record when it compiles the unit (first or again), never when it is fresh."""
    target, found = root / "target", {}
    for folder in [*target.glob("*/.fingerprint"), *target.glob("*/*/.fingerprint")]:
        for path in folder.rglob("*"):
            if path.is_file():
                found[str(path.relative_to(target))] = path.stat().st_mtime_ns
    return found


def compiled(before: dict[str, int], after: dict[str, int]) -> str:
    """Units compiled between two snapshots, and how many of them are not workspace members."""
    units = {
        path.split(".fingerprint/")[1].split("/")[0] for path, at in after.items() if before.get(path) != at
    }
    members = {name for name, _ in corpus.LARGE.members}
    outside = [unit for unit in units if (m := RECORD.match(unit)) is None or m["name"] not in members]
    return f"{len(units)} units compiled, {len(outside)} of them dependencies"


def medians(shown: Sequence[float], gone: Sequence[float]) -> str:
    return f"error shown {statistics.median(shown):.1f} s, gone {statistics.median(gone):.1f} s after the fix"


def units_built(answer: dict[str, Any]) -> str:
    """The units cargo compiled in a cargo-mcp run, read from the full log the answer names."""
    text = "".join(part.get("text", "") for part in answer.get("content", []))
    found = re.search(r"full log: (\S+)", text)
    if found is None or not Path(found[1]).is_file():
        return "? (no log)"
    return str(len(BUILT.findall(Path(found[1]).read_text(errors="replace"))))
