"""Cutting text to a size budget (head and tail kept, the cut counted), and removing terminal colour."""

from __future__ import annotations

import re

ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][A-Za-z0-9]|\x1b[=>]")


def strip_ansi(text: str) -> str:
    return ANSI_ESCAPE.sub("", text)


def clip_middle(
    text: str, limit: int, head_share: float = 0.25, rest: str = "the full text is in the log"
) -> tuple[str, bool]:
    """Keep the head and the tail of `text` within `limit` characters, marking what was cut and
    where the rest is (`rest`: say only what is true). The tail gets the larger share: compilers and
    test harnesses put their verdict last."""
    if len(text) <= limit:
        return text, False
    head = int(limit * head_share)
    longest = _cut_marker(len(text) - head, rest)  # the marker for the most that could be cut, so it fits
    tail = max(limit - head - len(longest), 0)
    return text[:head] + _cut_marker(len(text) - head - tail, rest) + text[len(text) - tail :], True


def _cut_marker(cut: int, rest: str) -> str:
    return f"\n[... {cut} characters cut; {rest} ...]\n"


def clip_end(text: str, limit: int) -> str:
    """`text` within about `limit` characters: its start, and how many characters follow."""
    if len(text) <= limit:
        return text
    return _more(text, max(limit - 40, 0), len(text) - limit + 40)


def keep_start(text: str, limit: int) -> str:
    """The first `limit` characters of `text`, and how many more there were (the marker on top)."""
    return text if len(text) <= limit else _more(text, limit, len(text) - limit)


def _more(text: str, kept: int, more: int) -> str:
    return text[:kept] + f"\n[... {more} more characters]"
