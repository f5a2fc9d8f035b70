"""What an answer that promises a file (a full log, a whole diff) must hold: a line promising one
names a file that exists, or says that none was kept."""

from __future__ import annotations

import re
from pathlib import Path

# words that promise a file the caller can read; a line holding one must name an existing file or say
# that none was kept
PROMISE = re.compile(r"\b(log|logs|whole diff|every diff)\b", re.IGNORECASE)


NONE_KEPT = re.compile(r"no full log was kept|could not be saved", re.IGNORECASE)


ABSOLUTE_PATH = re.compile(r"(/[^\s()\[\],;:'\"]+)")


def broken_promises(text: str) -> list[str]:
    """The lines of `text` that promise a file without naming one that exists."""
    broken = []
    for line in text.splitlines():
        words = ABSOLUTE_PATH.sub("", line)  # a path's own name (e.g. .../logs/...) promises nothing
        if not PROMISE.search(words) or NONE_KEPT.search(words):
            continue
        named = [path for path in ABSOLUTE_PATH.findall(line) if Path(path).is_file()]
        if not named:
            broken.append(line)
    return broken
