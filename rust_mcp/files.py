"""Writing files so a failure leaves each one either as it was or fully updated, and putting a set
of files back exactly as they were."""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .roots import project_files


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same directory, flushed to disk, then renamed over
    `path` (keeping its permissions): readers see the old file or the new one, never a torn one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _manifests(root: Path) -> list[Path]:
    return [root / "Cargo.lock"] + [
        Path(e.path) for e in project_files(root, lambda name: name == "Cargo.toml")
    ]


@dataclass
class ManifestSnapshot:
    """Every Cargo.toml under a workspace root and its Cargo.lock, byte for byte (None: absent)."""

    root: Path
    contents: dict[Path, bytes | None] = field(default_factory=dict)

    @classmethod
    def take(cls, root: Path) -> ManifestSnapshot:
        snapshot = cls(root)
        for path in _manifests(root):
            try:
                snapshot.contents[path] = path.read_bytes()
            except FileNotFoundError:
                snapshot.contents[path] = None
        return snapshot

    def changed(self) -> list[Path]:
        differing = []
        for path, before in self.contents.items():
            try:
                now: bytes | None = path.read_bytes()
            except FileNotFoundError:
                now = None
            if now != before:
                differing.append(path)
        return differing

    def restore(self) -> list[str]:
        """Put back every file that changed; returns them relative to the root."""
        restored = []
        for path in self.changed():
            before = self.contents[path]
            if before is None:
                path.unlink(missing_ok=True)
            else:
                write_atomically(path, before)
            restored.append(str(path.relative_to(self.root)))
        return sorted(restored)
