"""How deeply a JSON text nests, found without parsing it: a parser that recurses (Python's json,
and what builds on it) dies on a short line nested a thousand deep, so such a line is measured and
refused before anything parses it. Also the `id` of a message too deep to parse, so the refusal can
answer the request it refuses."""

from __future__ import annotations

import json
import re
from typing import Any

MAX_JSON_DEPTH = 100  # MCP messages nest a dozen levels; tool arguments a few more
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")
_ID_VALUE = re.compile(r'\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")')


def nesting_depth(text: str | bytes, stop_above: int = MAX_JSON_DEPTH) -> int:
    """The deepest nesting of arrays and objects in `text` (brackets inside strings not counted);
    counting stops once it passes `stop_above`."""
    data = text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRING.sub('""', data)):
        if match.group(0) in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > stop_above:
                break
        else:
            depth -= 1
    return deepest


def top_level_id(text: str) -> str | int | None:
    """The value of the `"id"` member of the outermost object, read without parsing the rest."""
    depth = 0
    in_string = escaped = False
    start = 0
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
                if depth == 1 and text[start : index + 1] == '"id"':
                    match = _ID_VALUE.match(text, index + 1)
                    if match:
                        value = json.loads(match.group(1))
                        return value if isinstance(value, str | int) else None
        elif char == '"':
            in_string, start = True, index
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
    return None


def parse_json(text: str | bytes) -> Any:
    """`json.loads(text)` for text a process or the project wrote: text nested more deeply than
    Python's json goes (it raises RecursionError) is refused as not JSON, with ValueError."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(f"JSON nested more deeply than this parser goes ({len(text)} bytes)") from None
