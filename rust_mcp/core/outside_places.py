"""Compiler messages never show a file outside the roots: a span (primary or secondary) or a
suggestion in a file that is neither inside the allowed roots nor in the read-only reference sources
(std, cargo's registry and git checkouts: see roots.py) has its path replaced by
OUTSIDE_LABEL, and the compiler's rendering loses that file's source lines. The message itself
(the compiler's words) is kept.

In `rendered`, a snippet starts at its header (` --> path:line:col` or ` ::: path:line:col`); after
a header naming an outside file, every numbered source line (`12 | ...`, and `12 + ...` in
suggestions) is dropped until a header names a visible file again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

OUTSIDE_LABEL = "<outside the roots>"
HEADER = re.compile(r"^(?P<lead>\s*(?:-->|:::)\s+)(?P<path>.+?):(?P<line>\d+):(?P<column>\d+)\s*$")
SOURCE_LINE = re.compile(r"^\s*\d+\s*(?:[|+~-]|$)")
ELIDED = re.compile(r"^\s*\.\.\.\s*$")
VIRTUAL_PREFIXES = ("<", "/rustc/")  # macro expansions, the std sources rustc was built from

PlaceCheck = Callable[[Path], bool]  # whether an absolute path may be shown (ReadScope.allows)


def visible(file: str, workspace_root: Path, allows: PlaceCheck) -> bool:
    """Whether a file name as the compiler printed it (relative to the workspace root, or
    absolute) may be shown."""
    if not file or file.startswith(VIRTUAL_PREFIXES):
        return True
    path = Path(file)
    return allows(path if path.is_absolute() else workspace_root / path)


def redact_rendered(rendered: str, shown: Callable[[str], bool]) -> str:
    """`rendered` without the source lines of files that may not be shown, their paths labelled."""
    kept: list[str] = []
    outside = False
    for line in rendered.split("\n"):
        header = HEADER.match(line)
        if header is not None:
            outside = not shown(header["path"])
            if outside:
                line = f"{header['lead']}{OUTSIDE_LABEL}:{header['line']}:{header['column']}"
        elif outside and (SOURCE_LINE.match(line) or ELIDED.match(line)):
            continue
        kept.append(line)
    return "\n".join(kept)
