"""Comments cargo drops when it edits a manifest. `cargo remove` deletes a table it has emptied
together with the comment lines above its header (toml_edit keeps them as the header's decoration),
so a note such as `# Runtime dependencies; keep sorted.` disappears with the last dependency. Here
those headers come back as empty tables with their comments, where they were; nothing else changes."""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from rust_mcp.core.cargo_projects import MAX_MANIFEST_BYTES
from rust_mcp.core.files import FileSnapshot, write_atomically
from rust_mcp.core.project_files import read_without_links
from rust_mcp.core.toml_text import parse_toml

HEADER = re.compile(r"^\s*\[(?!\[)\s*(?P<name>[^\]]+?)\s*\]\s*(#.*)?$")
COMMENT = re.compile(r"^\s*#")
# what is compared, on the event loop every session of an engine shares: the lines between the
# common head and tail (difflib is quadratic in lines that repeat: 8,000 `#` lines took 64 s), and
# headers no longer than this (HEADER is quadratic in a line of spaces); past either, nothing is mended
MENDED_LINES = 400
MENDED_LINE_CHARS = 4096
KEY_PART = re.compile(r"""\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(?:\.|$)""")


@dataclass(frozen=True)
class KeptTable:
    name: str
    lines: list[str]


def _table_path(name: str) -> list[str]:
    """The keys of a dotted table name, quotes removed: `target.'cfg(unix)'.dependencies`."""
    return ["".join(groups) for groups in KEY_PART.findall(name)]


def _has_table(document: dict[str, Any], path: list[str]) -> bool:
    node: Any = document
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _dropped_tables(deleted: list[str], after: dict[str, Any]) -> list[KeptTable]:
    """Table headers in a deleted run of lines that had comments right above them and whose table
    is gone from the new manifest."""
    kept = []
    for index, line in enumerate(deleted):
        match = HEADER.match(line) if len(line) <= MENDED_LINE_CHARS else None
        if match is None or _has_table(after, _table_path(match["name"])):
            continue
        start = index
        while start > 0 and COMMENT.match(deleted[start - 1]):
            start -= 1
        if start < index:
            kept.append(KeptTable(match["name"], deleted[start : index + 1]))
    return kept


def _without(document: dict[str, Any], path: list[str]) -> dict[str, Any]:
    """`document` with the (empty) table at `path` removed, and parents it leaves empty."""
    copy = dict(document)
    head, *rest = path
    if rest and isinstance(copy.get(head), dict):
        inner = _without(copy[head], rest)
        if inner:
            copy[head] = inner
        else:
            copy.pop(head)
    elif copy.get(head) == {}:
        copy.pop(head)
    return copy


def keep_dropped_table_comments(before: str, after: str) -> tuple[str, list[str]]:
    """`after` with each table that the edit removed along with the comments above its header put
    back, empty, where it was. Returns the text and the names of the tables put back; `after`
    unchanged when there are none or when the result would not mean exactly what `after` means."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    same = 0  # cargo's edit is local: only the lines between the common head and tail are compared
    while same < min(len(old), len(new)) and old[same] == new[same]:
        same += 1
    tail = 0
    while tail < min(len(old), len(new)) - same and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    if len(old) + len(new) - 2 * (same + tail) > MENDED_LINES:
        return after, []
    try:
        parsed_after = parse_toml(after)
    except tomllib.TOMLDecodeError:
        return after, []
    result: list[str] = new[:same]
    names: list[str] = []
    matcher = difflib.SequenceMatcher(
        a=old[same : len(old) - tail], b=new[same : len(new) - tail], autojunk=False
    )
    for tag, i1, i2, j1, j2 in (
        (t, a + same, b + same, c + same, d + same) for t, a, b, c, d in matcher.get_opcodes()
    ):
        if tag in ("delete", "replace"):
            for table in _dropped_tables(old[i1:i2], parsed_after):
                lines = [line if line.endswith("\n") else line + "\n" for line in table.lines]
                if result and result[-1].strip():
                    lines.insert(0, "\n")
                if j1 < len(new) and new[j1].strip():
                    lines.append("\n")
                result += lines
                names.append(table.name)
        result += new[j1:j2]
    if not names:
        return after, []
    text = "".join(result + new[len(new) - tail :])
    try:
        restored = parse_toml(text)
    except tomllib.TOMLDecodeError:
        return after, []
    for name in names:
        restored = _without(restored, _table_path(name))
    return (text, names) if restored == parsed_after else (after, [])


def restore_dropped_comments(snapshot: FileSnapshot) -> list[str]:
    """For each manifest changed since `snapshot`, put back the commented tables cargo dropped.
    Returns a note per manifest mended."""
    notes = []
    for path in snapshot.changed():
        before = snapshot.contents.get(path)
        if path.name != "Cargo.toml" or before is None:
            continue
        try:
            data = read_without_links(path, MAX_MANIFEST_BYTES)  # through the one door, like the write
            if data is None:
                continue
            after = data.decode("utf-8")
            text, names = keep_dropped_table_comments(before.decode("utf-8"), after)
            if names:
                write_atomically(path, text.encode("utf-8"))
        except (OSError, ValueError):  # unreadable, not UTF-8, or a link on the way (Refusal)
            continue
        if names:
            tables = ", ".join(f"[{name}]" for name in names)
            notes.append(
                f"cargo removed the emptied {tables} from {path.relative_to(snapshot.root)} together "
                "with the comments above it; they were put back as an empty table so no comment is lost."
            )
    return notes
