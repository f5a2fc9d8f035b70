"""Reading Rust source as text: which characters are code and which are comments, strings and char
literals. The one Rust lexer both servers use."""

from __future__ import annotations

import re


def code_mask(text: str) -> str:
    """`text` with comments, string and char literals blanked (same length, newlines kept), so
    braces and keywords are only found in code."""
    out = list(text)
    index, size = 0, len(text)

    def blank(start: int, end: int) -> None:
        for i in range(start, min(end, size)):
            if out[i] != "\n":
                out[i] = " "

    while index < size:
        char = text[index]
        if text.startswith("//", index):
            end = text.find("\n", index)
            end = size if end < 0 else end
            blank(index, end)
            index = end
        elif text.startswith("/*", index):
            depth, end = 1, index + 2
            while end < size and depth:
                if text.startswith("/*", end):
                    depth, end = depth + 1, end + 2
                elif text.startswith("*/", end):
                    depth, end = depth - 1, end + 2
                else:
                    end += 1
            blank(index, end)
            index = end
        elif (raw := re.match(r'b?r(#*)"', text[index : index + 260])) is not None and (
            index == 0 or not (text[index - 1].isalnum() or text[index - 1] == "_")
        ):
            closing = '"' + raw.group(1)
            end = text.find(closing, index + raw.end())
            end = size if end < 0 else end + len(closing)
            blank(index + 1, end - 1)
            index = end
        elif char == '"':
            end = index + 1
            while end < size and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            blank(index + 1, end)
            index = end + 1
        elif char == "'" and (text[index + 1 : index + 2] == "\\" or text[index + 2 : index + 3] == "'"):
            end = index + 1
            while end < size and text[end] != "'":
                end += 2 if text[end] == "\\" else 1
            blank(index + 1, end)
            index = end + 1
        else:
            index += 1
    return "".join(out)
