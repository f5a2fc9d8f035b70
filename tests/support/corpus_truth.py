"""Ground truth that needs no server: LSP edits applied to the files they name, unified-diff lines
compared as multisets, unsafe sites counted in the source text (with a lexer written here), and git's
view of the tree."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import anyio

from tests.support.corpus_support import CorpusSession


def uri_path(uri: str) -> Path:
    return Path(unquote(urlparse(uri).path))


async def git_status(root: Path) -> list[str]:
    done = await anyio.run_process(["git", "status", "--porcelain", "--untracked-files=all"], cwd=root)
    return sorted(line[3:] for line in done.stdout.decode().splitlines() if line.strip())


async def git_restore(root: Path) -> None:
    await anyio.run_process(["git", "checkout", "-q", "--", "."], cwd=root)
    await anyio.run_process(["git", "clean", "-fdq"], cwd=root)


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """LSP text edits (utf-32 positions: Python indices) applied to `text`, last first."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(position: dict[str, int]) -> int:
        return min(starts[min(position["line"], len(lines))] + position["character"], len(text))

    for edit in sorted(
        edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]), reverse=True
    ):
        start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
    return text


def _file_lines(text: str) -> list[str]:
    """A file's lines as a diff sees them: the newline ends the last line, it does not start another."""
    lines = text.split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def changed_lines(before: str, after: str) -> Counter[str]:
    """Removed and added lines of a change, as a multiset (`-line` / `+line`)."""
    diff = difflib.unified_diff(_file_lines(before), _file_lines(after), lineterm="", n=0)
    return Counter(line for line in diff if line[:1] in ("+", "-") and not line.startswith(("+++", "---")))


def workspace_edit_lines(session: CorpusSession, edit: dict[str, Any]) -> dict[str, Counter[str]]:
    per_file: dict[str, list[dict[str, Any]]] = {}
    for uri, edits in (edit.get("changes") or {}).items():
        per_file.setdefault(uri, []).extend(edits)
    for change in edit.get("documentChanges") or []:
        if "textDocument" in change:
            per_file.setdefault(change["textDocument"]["uri"], []).extend(change["edits"])
    found = {}
    for uri, edits in per_file.items():
        path = uri_path(uri)
        before = path.read_text(encoding="utf-8")
        lines = changed_lines(before, apply_edits(before, edits))
        if lines:
            found[session.rel(path)] = lines
    return found


def preview_lines(body: dict[str, Any]) -> dict[str, Counter[str]]:
    """The +/- lines of an edit preview per file: from the whole diff when the answer cut or paged
    it (its `full_diff` file), else from the listed files."""
    if body.get("full_diff"):
        return whole_diff_lines(Path(body["full_diff"]).read_text())
    return {
        item["path"]: Counter(
            line
            for line in item["diff"].split("\n")
            if line[:1] in ("+", "-") and not line.startswith(("+++", "---"))
        )
        for item in body.get("files", [])
    }


def whole_diff_lines(diff: str) -> dict[str, Counter[str]]:
    per_file: dict[str, Counter[str]] = {}
    current: Counter[str] | None = None
    old = ""
    for line in diff.split("\n"):
        if line.startswith("--- "):
            old = line[4:].strip().removeprefix("a/")
        elif line.startswith("+++ "):
            name = line[4:].strip()
            current = per_file.setdefault(old if name == "/dev/null" else name.removeprefix("b/"), Counter())
        elif current is not None and line[:1] in ("+", "-"):
            current[line] += 1
    return per_file


SITE_WORDS = re.compile(r"\bunsafe\s*(?:\{|(?P<word>impl|trait|fn|extern)\b)")
EXTERN_FN = re.compile(r'extern\s*(?:"[^"]*")?\s*fn\b')
# `unsafe fn(u8) -> bool`, `unsafe extern "C" fn()`: a function pointer type (no name), not a site
FN_POINTER_TYPE = re.compile(r'(?:extern\s*(?:"[^"]*")?\s*)?fn\s*\(')


def mask_code(source: str) -> str:
    """Comments and string and char literals blanked (newlines kept), written for the ground truth."""
    out, index, size = list(source), 0, len(source)
    while index < size:
        if source.startswith("//", index):
            end = source.find("\n", index)
            end = size if end < 0 else end
        elif source.startswith("/*", index):
            depth, end = 1, index + 2
            while end < size and depth:
                depth += 1 if source.startswith("/*", end) else -1 if source.startswith("*/", end) else 0
                end += 2 if source.startswith(("/*", "*/"), end) else 1
        elif (raw := re.match(r'b?r(#*)"', source[index : index + 300])) and not (
            index and (source[index - 1].isalnum() or source[index - 1] == "_")
        ):
            closing = '"' + raw.group(1)
            end = source.find(closing, index + raw.end())
            end = size if end < 0 else end + len(closing)
        elif source[index] == '"':
            end = index + 1
            while end < size and source[end] != '"':
                end += 2 if source[end] == "\\" else 1
            end += 1
        elif source[index] == "'" and re.match(
            r"'(?:\\.|\\u\{[0-9a-fA-F]+\}|[^\\'])'", source[index : index + 12]
        ):
            end = index + len(re.match(r"'(?:\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", source[index:]).group(0))  # type: ignore[union-attr]
        else:
            index += 1
            continue
        for i in range(index, min(end, size)):
            if out[i] != "\n":
                out[i] = " "
        index = end
    return "".join(out)


def unsafe_sites_in_source(path: Path) -> Counter[str]:
    """Counts of unsafe blocks, fns, impls, traits and extern blocks, read from the source text."""
    code = mask_code(path.read_text(encoding="utf-8"))
    found: Counter[str] = Counter()
    for match in SITE_WORDS.finditer(code):
        word = match.group("word")
        if word in ("fn", "extern") and FN_POINTER_TYPE.match(code, match.start("word")):
            continue
        if word == "extern":
            word = "fn" if EXTERN_FN.match(code, match.start("word")) else "extern"
        found[word or "block"] += 1
    return found
