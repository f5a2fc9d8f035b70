"""Why rust-analyzer found nothing at a position: the code there is inactive (places/cfg_off.py), or
its target requires features that are off (required_features.py)."""

from __future__ import annotations

from pathlib import Path

from ..lsp.answers import Requester
from ..lsp.lazy_types import lsp
from ..places.cfg_off import cfg_reason
from .required_features import off_loop_note, skipped_target


async def inactive_reason(
    client: Requester, path: Path, position: lsp.Position, root: Path | None = None
) -> str | None:
    """rust-analyzer's message when `position` lies in code a `#[cfg]` switches off or in a file of no
    crate; else, with the workspace `root`, the features the file's target requires and are off
    (required_features.py); else None (also when it cannot tell in time)."""
    reason = await cfg_reason(client, path, position)
    if reason is not None or root is None:
        return reason
    return await off_loop_note(skipped_target, path, root)


def nothing_found(said: str, reason: str | None) -> str:
    """`said` (e.g. "no references to the symbol at src/task/spawn.rs:166:12") with rust-analyzer's
    reason when it has one: tokio's `spawn` is in a file of no crate while the feature `rt` is off,
    and a bare "no references" sent an agent looking for callers that do exist."""
    return f"{said}: {reason}" if reason else said
