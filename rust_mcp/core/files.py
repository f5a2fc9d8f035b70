"""Writing files so a failure leaves each one either as it was or fully updated, and putting a set
of files back exactly as they were."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .roots import project_files


def _stage(path: Path, data: bytes) -> Path:
    """Write `data` to a temporary file beside `path`, flushed to disk, with `path`'s permissions;
    returns the temporary file, ready to be renamed over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return Path(temporary)


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file renamed over `path`: readers see the old file or the new one,
    never a torn one."""
    temporary = _stage(path, data)
    try:
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


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
                change.path.unlink(missing_ok=True)
            else:
                write_atomically(change.path, change.before)
        except OSError as exc:
            stuck.append(f"{change.path} ({exc.strerror or exc})")
    return stuck


def _discard(staged: list[tuple[FileChange, Path | None]]) -> None:
    for _, temporary in staged:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def write_all_or_nothing(changes: list[FileChange]) -> None:
    """Write every change or none: all new contents are staged beside their files first (a failure
    there changes nothing), then renamed into place and deletions made; a failure there puts back
    the files already changed. Raises WriteFailed naming the file that failed."""
    steps: list[tuple[FileChange, Path | None]] = []
    for change in sorted(changes, key=lambda c: c.after is None):  # deletions last
        try:
            steps.append((change, None if change.after is None else _stage(change.path, change.after)))
        except OSError as exc:
            _discard(steps)
            raise WriteFailed(
                f"could not write {change.path}: {exc.strerror or exc}; no file was changed"
            ) from exc
    done: list[FileChange] = []
    for change, temporary in steps:
        try:
            if temporary is None:
                change.path.unlink(missing_ok=True)
            else:
                os.replace(temporary, change.path)
        except OSError as exc:
            _discard(steps)
            stuck = _undo(done)
            outcome = (
                f"these could not be put back: {', '.join(stuck)}"
                if stuck
                else "every file already changed was put back as it was"
            )
            raise WriteFailed(f"could not change {change.path}: {exc.strerror or exc}; {outcome}") from exc
        done.append(change)


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
        snapshot = cls(root)
        for path in paths:
            try:
                snapshot.contents[path] = path.read_bytes()
            except FileNotFoundError:
                snapshot.contents[path] = None
        return snapshot

    @classmethod
    def manifests(cls, root: Path) -> FileSnapshot:
        """Every Cargo.toml under the root and its Cargo.lock."""
        found = [Path(e.path) for e in project_files(root, lambda name: name == "Cargo.toml")]
        return cls.take(root, [root / "Cargo.lock", *found])

    @classmethod
    def sources(cls, root: Path) -> FileSnapshot:
        """Every Rust source file and manifest under the root, and its Cargo.lock."""
        found = [Path(e.path) for e in project_files(root, _is_source)]
        return cls.take(root, sorted({root / "Cargo.lock", *found}))

    def _differences(self) -> list[FileChange]:
        """Each file whose contents now differ from the snapshot, as the change that puts it back."""
        differing = []
        for path, before in self.contents.items():
            try:
                now: bytes | None = path.read_bytes()
            except FileNotFoundError:
                now = None
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
