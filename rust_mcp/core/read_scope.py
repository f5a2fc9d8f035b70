"""What the servers read for themselves, and show in their answers: files inside the allowed roots,
and, read-only by design, the toolchains' standard library sources and cargo's downloaded
dependencies (the registry and git checkouts). Nothing else: a path is judged by where it really
is (every link followed), and then opened without following any link, so a link inside the roots
that leads out, or one swapped in after the check, is never read through.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .budgets import MAX_SOURCE_BYTES
from .errors import Refusal
from .roots import AllowedRoots
from .safe_io import read_without_links
from .toolchains import rustup_home

STD_SOURCES = Path("lib") / "rustlib" / "src" / "rust"
SYSTEM_STD_SOURCES = Path("/usr") / STD_SOURCES  # Debian's rust-web-src / rust-src packages
CARGO_DEPENDENCY_DIRS = ((Path("registry") / "src", "<registry>"), (Path("git") / "checkouts", "<git>"))
STD_LABEL = "<std>"


class OutsideTheRoots(Refusal):
    """A path whose real location is outside the roots and the read-only exceptions."""


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def default_read_only(cargo_home: Path) -> dict[Path, str]:
    """The std sources of every installed toolchain (and the system's), $RUST_SRC_PATH, and cargo's
    registry sources and git checkouts, each resolved, with the label answers write them with."""
    found: list[tuple[Path, str]] = [(SYSTEM_STD_SOURCES, STD_LABEL)]
    toolchains = rustup_home() / "toolchains"
    with contextlib.suppress(OSError):
        found += [(entry / STD_SOURCES, STD_LABEL) for entry in sorted(toolchains.iterdir())]
    if os.environ.get("RUST_SRC_PATH"):
        found.append((Path(os.environ["RUST_SRC_PATH"]), STD_LABEL))
    found += [(cargo_home / part, label) for part, label in CARGO_DEPENDENCY_DIRS]
    return {_real(path): label for path, label in found}


@dataclass
class ReadScope:
    """The roots, plus directories readable as reference (std, registry) but never written, each
    with the label answers write paths inside it with (`<std>`, `<registry>`, `<git>`)."""

    roots: AllowedRoots
    read_only: dict[Path, str] = field(default_factory=dict)

    @classmethod
    def for_roots(cls, roots: AllowedRoots, cargo_home: Path) -> ReadScope:
        return cls(roots, default_read_only(cargo_home))

    def add_read_only(self, paths: Iterable[Path], label: str = STD_LABEL) -> None:
        for path in paths:
            self.read_only.setdefault(_real(path), label)

    def reference_dir(self, real: Path) -> Path | None:
        """The read-only directory (std sources, registry) holding `real`, or None."""
        return next((d for d in self.read_only if real == d or real.is_relative_to(d)), None)

    def allows(self, path: Path) -> bool:
        """Whether `path`, every link followed, lies inside the roots or a read-only directory."""
        real = _real(path)
        return self.roots.contains(real) or self.reference_dir(real) is not None

    def label(self, path: Path, workspace_root: Path) -> str:
        """`path` as an answer writes it: relative to the workspace inside the roots, `<std>/...`
        and the like in the read-only directories, else as given (never judged here: see allows)."""
        real = _real(path)
        if self.roots.contains(path) or self.roots.contains(real):
            inside = path if self.roots.contains(path) else real
            return os.path.relpath(inside, workspace_root)
        reference = self.reference_dir(real)
        if reference is not None:
            label = self.read_only[reference]
            relative = real.relative_to(reference).as_posix()
            return f"{label}/{relative}" if relative != "." else label
        return str(path)

    def read(self, path: Path, limit: int = MAX_SOURCE_BYTES) -> bytes:
        """The bytes of `path` if it is allowed, read without following any link; refusals say why."""
        real = _real(path)
        if not (self.roots.contains(real) or self.reference_dir(real) is not None):
            shown = "" if real == path else f" (it leads to {real})"
            raise OutsideTheRoots(f"{path}{shown} is outside the allowed roots; it is not read")
        try:
            data = read_without_links(real, limit)
        except OSError as exc:
            raise Refusal(f"cannot read {path}: {exc.strerror or exc}") from exc
        if data is None:
            raise Refusal(f"{path} does not exist")
        return data
