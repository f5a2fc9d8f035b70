"""Which places an answer may show, how their paths are written, and the notes an answer adds when
it leaves places out.

rust-analyzer answers with locations anywhere it has looked. An answer shows one only when its file
really lies (every link followed) inside the allowed roots, or in the read-only reference sources:
the toolchain's std sources and cargo's downloaded dependencies. Anything else (a path dependency,
`[lib] path` or `#[path]` module outside the roots, a link leading out) is left out and counted, so
nothing of it (name, source line, body, message) reaches the model.

Paths are written relative to the workspace when inside the roots, and as `<std>/...`,
`<registry>/...` or `<git>/...` in the reference sources: never as absolute paths of the server's
machine.

The judging and the writing are rust_mcp.core.roots's (`ReadScope.allows`, `ReadScope.label`:
the scope holds the roots and the reference directories' labels); the notes are here.
"""

from __future__ import annotations


def withheld_note(count: int) -> str | None:
    if count == 0:
        return None
    return f"{count} result(s) in files outside the allowed roots were left out"


def join_notes(*notes: str | None) -> str | None:
    kept = [note for note in notes if note]
    return "; ".join(kept) if kept else None
