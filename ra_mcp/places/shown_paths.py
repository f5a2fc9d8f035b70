"""Which places an answer may show, and how their paths are written.

rust-analyzer answers with locations anywhere it has looked. An answer shows one only when its file
really lies (every link followed) inside the allowed roots, or in the read-only reference sources:
the toolchain's std sources and cargo's downloaded dependencies. Anything else (a path dependency,
`[lib] path` or `#[path]` module outside the roots, a link leading out) is left out and counted, so
nothing of it (name, source line, body, message) reaches the model.

Paths are written relative to the workspace when inside the roots, and as `<std>/...`,
`<registry>/...` or `<git>/...` in the reference sources: never as absolute paths of the server's
machine.
"""

from __future__ import annotations

import os
from pathlib import Path

from rust_mcp.core.read_scope import ReadScope

from .positions import uri_to_path


def withheld_note(count: int) -> str | None:
    if count == 0:
        return None
    return f"{count} result(s) in files outside the allowed roots were left out"


def join_notes(*notes: str | None) -> str | None:
    kept = [note for note in notes if note]
    return "; ".join(kept) if kept else None


class ShownPaths:
    def __init__(self, scope: ReadScope) -> None:
        self.scope = scope

    def allows(self, uri: str) -> bool:
        return self.scope.allows(uri_to_path(uri))

    def label(self, path: Path, workspace_root: Path) -> str:
        """`path` as an answer writes it: relative to the workspace inside the roots, `<std>/...`
        and the like in the reference sources, else as given."""
        real = Path(os.path.realpath(path))
        if self.scope.roots.contains(path) or self.scope.roots.contains(real):
            inside = path if self.scope.roots.contains(path) else real
            return os.path.relpath(inside, workspace_root)
        reference = self.scope.reference_dir(real)
        if reference is not None:
            label = self.scope.read_only[reference]
            relative = real.relative_to(reference).as_posix()
            return f"{label}/{relative}" if relative != "." else label
        return str(path)
