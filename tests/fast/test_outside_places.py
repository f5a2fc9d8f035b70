"""Compiler messages never show a file outside the roots (fast, from cargo's JSON): the path
becomes a label, the file's source lines leave the rendering, its quoted tokens leave the words."""

from __future__ import annotations

import json
from pathlib import Path

from rust_mcp.core.compiler_messages import CompilerMessages
from rust_mcp.core.outside_places import OUTSIDE_LABEL, redact_rendered, visible
from rust_mcp.core.roots import AllowedRoots, ReadScope

OUTSIDE_MESSAGE = {
    "level": "error",
    "message": "expected one of `!` or `::`, found `line`",
    "spans": [
        {
            "file_name": "/elsewhere/secret.rs",
            "line_start": 1,
            "column_start": 8,
            "line_end": 1,
            "column_end": 12,
            "is_primary": True,
            "text": [{"text": "secret line one"}],
        },
        {
            "file_name": "src/lib.rs",
            "line_start": 2,
            "column_start": 1,
            "line_end": 2,
            "column_end": 5,
            "is_primary": False,
        },
    ],
    "children": [
        {"level": "note", "message": "the token `secret` is not an item", "spans": []},
        {
            "level": "help",
            "message": "use this",
            "spans": [
                {
                    "file_name": "/elsewhere/secret.rs",
                    "line_start": 1,
                    "column_start": 1,
                    "line_end": 1,
                    "column_end": 2,
                    "suggested_replacement": "secret fix",
                }
            ],
        },
    ],
    "rendered": "error: expected one of `!` or `::`, found `line`\n --> /elsewhere/secret.rs:1:8\n  |\n"
    "1 | secret line one\n  |        ^^^^ expected one of `!` or `::`\n...\n"
    "  = note: the token `secret` is not an item\n"
    "help: use this\n  |\n1 + secret fix\n  |\n"
    "  ::: src/lib.rs:2:1\n  |\n2 | mod outside;\n  | ---- included here\n",
}


def test_a_diagnostic_never_shows_a_file_outside_the_roots(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "src").mkdir(parents=True)
    messages = CompilerMessages(workspace, allows=ReadScope(AllowedRoots((workspace,))).allows)
    messages.feed(json.dumps({"reason": "compiler-message", "message": OUTSIDE_MESSAGE}))
    (diagnostic,) = messages.diagnostics
    shown = diagnostic.model_dump_json()
    assert "secret" not in shown and "/elsewhere" not in shown, shown
    assert diagnostic.file == OUTSIDE_LABEL and diagnostic.absolute_path is None
    assert [span.file for span in diagnostic.spans] == [OUTSIDE_LABEL, "src/lib.rs"]
    assert diagnostic.suggestions == []
    assert diagnostic.notes == ["note: the token `…` is not an item"]
    assert f" --> {OUTSIDE_LABEL}:1:8" in diagnostic.rendered
    assert "2 | mod outside;" in diagnostic.rendered  # the file inside the roots keeps its lines
    assert diagnostic.message == "expected one of `…` or `…`, found `…`"  # the file's token goes
    assert diagnostic.rendered.startswith(f"error: {diagnostic.message}\n")


def test_places_inside_the_roots_and_std_are_shown_whole(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "src").mkdir(parents=True)
    rendered = ' --> src/lib.rs:3:21\n  |\n3 | pub fn f() -> u32 { "x" }\n'
    std = "  ::: /rustc/0123abcd/library/core/src/option.rs:9:5\n   |\n9  |     Some(T),\n"
    allows = ReadScope(AllowedRoots((workspace,))).allows
    assert redact_rendered(rendered + std, lambda f: visible(f, workspace, allows)) == rendered + std
