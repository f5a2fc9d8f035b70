"""Writing files so a failure leaves each one either as it was or fully updated, and putting a set
of files back exactly as they were. Every write goes through a directory opened without following
links (rust_mcp.core.safe_io), so a link swapped in on the way never leads a write out of the roots."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from .budgets import MAX_LOCKFILE_BYTES, MAX_SOURCE_BYTES
from .cargo_projects import MAX_MANIFEST_BYTES, bounded_project_files
from .errors import Refusal
from .safe_io import (
    mode_at,
    opened_directory,
    read_without_links,
    replace_at,
    stage_at,
    unlink_at,
    write_without_links,
)


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file renamed over `path`: readers see the old file or the new one,
    never a torn one. The directory is opened without following links (see safe_io)."""
    write_without_links(path, data)


@dataclass(frozen=True)
class FileChange:
    """One file's change: `before` None means it did not exist, `after` None means delete it."""

    path: Path
    before: bytes | None
    after: bytes | None


class WriteFailed(RuntimeError):
    """A set of changes could not be written; the message says what failed and what was restored."""


def _undo(done: list[FileChange]) -> list[str]:
    """Put back the files of `done` as they were; returns those that could not be put back."""
    stuck = []
    for change in reversed(done):
        try:
            if change.before is None:
                with opened_directory(change.path.parent) as directory:
                    unlink_at(directory, change.path.name)
            else:
                write_atomically(change.path, change.before)
        except (OSError, Refusal) as exc:
            stuck.append(f"{change.path} ({_reason(exc)})")
    return stuck


@dataclass
class _Step:
    """One change ready to commit: its directory (opened without links) and its staged content."""

    change: FileChange
    directory: int
    temporary: str | None


def _prepare(change: FileChange, stack: contextlib.ExitStack) -> _Step:
    path = change.path
    directory = stack.enter_context(opened_directory(path.parent, create=change.after is not None))
    if change.after is None:
        return _Step(change, directory, None)
    mode = mode_at(directory, path.name)
    staged = stage_at(directory, path.name, change.after, 0o644 if mode is None else mode)
    return _Step(change, directory, staged)


def _discard(steps: list[_Step]) -> None:
    for step in steps:
        if step.temporary is not None:
            unlink_at(step.directory, step.temporary)


def write_all_or_nothing(changes: list[FileChange]) -> None:
    """Write every change or none: all new contents are staged beside their files first (a failure
    there changes nothing), then renamed into place and deletions made; a failure there puts back
    the files already changed. Raises WriteFailed naming the file that failed. Each file's directory
    is opened without following links, so a link on the way fails the write instead of redirecting it."""
    with contextlib.ExitStack() as stack:
        steps: list[_Step] = []
        for change in sorted(changes, key=lambda c: c.after is None):  # deletions last
            try:
                steps.append(_prepare(change, stack))
            except (OSError, Refusal) as exc:
                _discard(steps)
                reason = _reason(exc)
                raise WriteFailed(f"could not write {change.path}: {reason}; no file was changed") from exc
        _commit(steps)


def _commit(steps: list[_Step]) -> None:
    done: list[FileChange] = []
    for step in steps:
        name = step.change.path.name
        try:
            if step.temporary is None:
                unlink_at(step.directory, name)
            else:
                replace_at(step.directory, step.temporary, name)
        except OSError as exc:
            _discard(steps)
            stuck = _undo(done)
            outcome = (
                f"these could not be put back: {', '.join(stuck)}"
                if stuck
                else "every file already changed was put back as it was"
            )
            raise WriteFailed(f"could not change {step.change.path}: {_reason(exc)}; {outcome}") from exc
        done.append(step.change)


def _reason(exc: BaseException) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)


SNAPSHOT_BYTES = 256 * 1024 * 1024  # kept by one snapshot, at most


def read_current(path: Path, most: int | None = None) -> bytes | None:
    """A file's bytes as they are now (None: absent), read without following links; a file that is
    now a link, or too large to snapshot, reads as itself being unreadable (Refusal). A Cargo.lock
    has the one limit of every lockfile reader (MAX_LOCKFILE_BYTES), a manifest MAX_MANIFEST_BYTES (a
    snapshot of every Cargo.toml under the root at 16 MiB each could hold gigabytes), a source file
    MAX_SOURCE_BYTES; and `most`, when given, whichever is lower (a larger file is refused unread)."""
    limits = {"Cargo.lock": MAX_LOCKFILE_BYTES, "Cargo.toml": MAX_MANIFEST_BYTES}
    limit = limits.get(path.name, MAX_SOURCE_BYTES)
    return read_without_links(path, limit if most is None else min(limit, most))


def _is_source(name: str) -> bool:
    return name.endswith(".rs") or name in ("Cargo.toml", "Cargo.lock")


@dataclass
class FileSnapshot:
    """Files under a workspace root, byte for byte (None: absent), to see what a command changed
    and to put them back."""

    root: Path
    contents: dict[Path, bytes | None] = field(default_factory=dict)

    @classmethod
    def take(cls, root: Path, paths: list[Path]) -> FileSnapshot:
        """The files at `paths`, SNAPSHOT_BYTES of them in all: project code can plant any number of
        large files (10,000 sparse 1 MiB manifests would be 10 GB held in the engine every session
        shares); past it, like a link or an oversized file, a file is not ours to put back, and is not
        read: reading each whole before weighing it read 10,000 such files, 160 GB, to keep none."""
        snapshot = cls(root)
        left = SNAPSHOT_BYTES
        for path in paths:
            with contextlib.suppress(Refusal):  # a link or an oversized file is not ours to put back
                data = read_current(path, left)  # one over what is left is refused by its size, unread
                left -= len(data or b"")
                snapshot.contents[path] = data
        return snapshot

    @classmethod
    def manifests(cls, root: Path) -> FileSnapshot:
        """Every Cargo.toml under the root and its Cargo.lock. The walk for them is bounded like the
        bytes kept: past WALKED_DIRECTORIES directories it raises WalkTooLarge (a Refusal), and the
        caller decides what becomes of the command it cannot guard."""
        found = [Path(e.path) for e in bounded_project_files(root, lambda name: name == "Cargo.toml")]
        return cls.take(root, [root / "Cargo.lock", *found])

    @classmethod
    def sources(cls, root: Path) -> FileSnapshot:
        """Every Rust source file and manifest under the root, and its Cargo.lock; raises WalkTooLarge
        past WALKED_DIRECTORIES directories (see manifests)."""
        found = [Path(e.path) for e in bounded_project_files(root, _is_source)]
        return cls.take(root, sorted({root / "Cargo.lock", *found}))

    def _differences(self) -> list[FileChange]:
        """Each file whose contents now differ from the snapshot, as the change that puts it back."""
        differing = []
        for path, before in self.contents.items():
            try:
                now: bytes | None = read_current(path)
            except Refusal:
                now = b""  # now a link or oversized: different from anything we kept
            if now != before:
                differing.append(FileChange(path, now, before))
        return differing

    def changed(self) -> list[Path]:
        return [change.path for change in self._differences()]

    def restore(self) -> list[str]:
        """Put back every file that changed, all or none (raises WriteFailed); returns them
        relative to the root."""
        changes = self._differences()
        write_all_or_nothing(changes)
        return sorted(str(change.path.relative_to(self.root)) for change in changes)
