"""Unsafe sites rust-analyzer does not analyse: in a file of no crate (tokio's fs/file.rs while the
feature `fs` is off) or in code a `#[cfg]` switches off. rust-analyzer's semantic tokens mark no
operation there, so the audit listed "0 unsafe operations" for a block that calls the unsafe
`BorrowedFd::borrow_raw` (field test 13). Such sites are found and named, so an empty operations
list is not read as "no unsafe operation".

Only a file with an unsafe block whose operations came back empty is asked about (one pull of its
diagnostics): an unsafe block with no unsafe operation is rare, and most files need no extra request."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..lsp.answers import Requester
from ..lsp.lazy_types import lsp
from ..places.cfg_off import IN_NO_CRATE, NAMED, UNLINKED_FILE, own_findings, reason_at
from .unsafe_sites import Site


@dataclass
class Unanalysed:
    """What the audit could not see into: files of no crate (and their sites), and sites in code a
    cfg switches off."""

    files: list[Path] = field(default_factory=list)
    in_files: int = 0  # sites in files of no crate
    inactive: int = 0  # sites in code a #[cfg] switches off, in analysed files

    def note(self, display: Callable[[Path], str]) -> str | None:
        parts = []
        if self.inactive:
            parts.append(f"{self.inactive} in code a #[cfg] switches off")
        if self.files:
            named = ", ".join(display(path) for path in self.files[:NAMED])
            more = f" and {len(self.files) - NAMED} more" if len(self.files) > NAMED else ""
            parts.append(f"{self.in_files} in {len(self.files)} file(s) {IN_NO_CRATE}: {named}{more}")
        if not parts:
            return None
        return (
            f"{self.inactive + self.in_files} unsafe site(s) rust-analyzer does not analyse, so their "
            f"unsafe operations are not listed (an empty list there does not mean none; read the source): "
            + "; ".join(parts)
        )


def suspect(sites: Sequence[Site]) -> bool:
    """Whether a file's sites need asking about: an unsafe block there has no operation marked."""
    return any(site.kind == "block" and not site.operations for site in sites)


async def count_unanalysed(client: Requester, path: Path, sites: Sequence[Site], into: Unanalysed) -> None:
    """Adds to `into` the sites of `path` that rust-analyzer does not analyse (all of them when the
    file is in no crate); nothing when it cannot tell in time."""
    found = await own_findings(client, path)
    if found is None:
        return
    if any(d.code == UNLINKED_FILE for d in found):
        into.files.append(path)
        into.in_files += len(sites)
        return
    at = [lsp.Position(line=site.line - 1, character=max(site.column - 1, 0)) for site in sites]
    into.inactive += sum(1 for position in at if reason_at(found, position) is not None)
