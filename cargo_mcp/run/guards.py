"""Files a cargo command may change, snapshotted before it runs and put back when it is stopped part
way (timed out, killed or cancelled), so an interrupted change leaves them as they were."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import anyio

from cargo_mcp.results import verdicts
from cargo_mcp.results.models import CargoResult
from cargo_mcp.run.manifest_comments import restore_dropped_comments
from cargo_mcp.table.command import own_arguments
from rust_mcp.core.cargo_projects import WalkTooLarge
from rust_mcp.core.errors import Refusal
from rust_mcp.core.files import FileSnapshot, WriteFailed

if TYPE_CHECKING:
    from cargo_mcp.run.invocation import Invocation


def guard_for(invocation: Invocation) -> FileSnapshot | None:
    """The files a command that writes them could leave half changed, taken before it runs (none for
    a --dry-run, which writes nothing). A project too large to walk for them (WALKED_DIRECTORIES) is
    a refusal: the command would run unguarded, and a stop part way could leave manifests or
    sources torn with nothing to put back; the user hears it before anything changes."""
    command = invocation.command
    if command.guards is None or "--dry-run" in own_arguments(invocation.args):
        return None
    take = FileSnapshot.manifests if command.guards == "manifests" else FileSnapshot.sources
    try:
        return take(invocation.workspace_root)
    except WalkTooLarge as exc:
        raise unguardable(invocation, exc) from exc


def unguardable(invocation: Invocation, exc: WalkTooLarge) -> Refusal:
    """The refusal of a command whose files could not be kept to put back."""
    name = invocation.command.name
    kept = (
        "Rust source and manifest" if invocation.command.guards == "sources" else "Cargo.toml and Cargo.lock"
    )
    return Refusal(
        f"{name} was not run: before it changes files, every {kept} under {exc.root} is kept to put "
        f"back if it is stopped part way, and {exc}, so they could not be kept. Move the directories "
        f"that are not part of the project (generated or vendored trees) out of {exc.root}, into "
        "target/ or a hidden directory, and call again; or run cargo "
        f"{' '.join(invocation.command.subcommand)} yourself, knowing a stop part way can leave "
        "files half changed."
    )


RESTORE_SECONDS = 60.0  # a cancelled call waits this long for its files to be put back


async def restore_quietly(snapshot: FileSnapshot) -> None:
    """Put files back while a cancellation or error propagates: a failure to do so must not replace
    that exception, and there is no caller left to tell, so it goes to the server's log. On a worker
    thread, shielded from the cancellation: it reads every file kept (up to 256 MiB) and writes and
    fsyncs those that changed, which on the event loop stalled every other call; past
    RESTORE_SECONDS the call ends and the thread finishes the restore on its own."""
    with anyio.move_on_after(RESTORE_SECONDS, shield=True):
        await anyio.to_thread.run_sync(_restore_logged, snapshot, abandon_on_cancel=True)


def _restore_logged(snapshot: FileSnapshot) -> None:
    try:
        snapshot.restore()
    except WriteFailed as exc:
        print(f"cargo-mcp: could not put files back after an interrupted call: {exc}", file=sys.stderr)


def stopped_part_way(result: CargoResult) -> bool:
    """Timed out, killed by a signal, or failed with no compiler error to account for it (a helper
    process killed under cargo ends it with a plain non-zero code). A failure that compiler errors
    explain is cargo's own ordinary end: what it wrote by then, it wrote whole."""
    if result.ok:
        return False
    return result.timed_out or verdicts.killed_by(result.exit_code) is not None or not result.counts.errors


def after_guarded_run(invocation: Invocation, guard: FileSnapshot, result: CargoResult) -> list[str]:
    """Put the files back when the run was stopped part way; mend the comments cargo drops after a
    finished change. Returns the hints to add."""
    name = invocation.command.name
    if stopped_part_way(result):
        try:
            restored = guard.restore()
        except WriteFailed as exc:
            return [f"{name} was stopped part way and its changes could not be undone: {exc}"]
        if not restored:
            return []
        return [
            f"{name} was stopped part way; the files it had changed were put back as they were: "
            f"{', '.join(restored)}."
        ]
    if result.ok and invocation.command.keeps_table_comments:
        return restore_dropped_comments(guard)
    return []
