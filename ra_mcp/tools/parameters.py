"""Parameter types shared by the rust-analyzer tools: one description per concept."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

FileArg = Annotated[
    str,
    Field(
        description="Rust source file (.rs): absolute, or relative to the workspace; must be inside the "
        "server's allowed roots."
    ),
]
OptionalFileArg = Annotated[
    str | None,
    Field(
        description="Rust source file (.rs) holding the position; optional when `symbol` names the target."
    ),
]
LineArg = Annotated[int | None, Field(ge=1, description="1-based line, as compilers and editors print it.")]
ColumnArg = Annotated[
    int | None, Field(ge=1, description="1-based column, counted in characters (not bytes or UTF-16 units).")
]
EndLineArg = Annotated[
    int | None, Field(ge=1, description="1-based last line of the range (default: `line`).")
]
EndColumnArg = Annotated[int | None, Field(ge=1, description="1-based column where the range ends.")]
SymbolArg = Annotated[
    str | None,
    Field(
        description="Instead of line and column: a symbol such as `Point::norm2`, `total_area` or "
        "`shapes::Circle`. With `line` but no `column`, the name on that line."
    ),
]
WorkspaceArg = Annotated[
    str | None,
    Field(
        description="Workspace (or any directory in it). Default: the one chosen with "
        "rust_analyzer_set_workspace, else the server's first root."
    ),
]
ApplyArg = Annotated[
    bool, Field(description="Write the change to disk. Default false: return a unified diff preview only.")
]
BodyArg = Annotated[bool, Field(description="Also return the source of each item found.")]
CheckArg = Annotated[
    bool,
    Field(
        description="Also run cargo check (rust-analyzer's flycheck, in its own target dir) and wait for it."
    ),
]
CheckTimeoutArg = Annotated[
    int, Field(ge=1, le=3600, description="Seconds to wait for cargo check before returning partial results.")
]
Direction = Literal["incoming", "outgoing", "both"]
Severity = Literal["error", "warning", "information", "hint"]

LimitArg = Annotated[
    int, Field(ge=1, le=1000, description="Most results to list; the total is always reported.")
]
