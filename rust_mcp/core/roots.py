"""Where the servers may look and what they may read: the allowed roots, path confinement, and the
read scope.

Both servers resolve every path a model gives them through `AllowedRoots.confine`, so a path
is accepted only when its real location (symlinks followed) lies inside a root the operator
allowed with `--root`. What they read for themselves, and show in their answers (`ReadScope`), is
files inside the roots and, read-only by design, the toolchains' standard library sources and
cargo's downloaded dependencies (the registry and git checkouts). Nothing else: a path is judged by
where it really is (every link followed), and then opened without following any link, so a link
inside the roots that leads out, or one swapped in after the check, is never read through.
Cargo.toml and workspace discovery are in cargo_projects.py.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from .budgets import MAX_SOURCE_BYTES
from .errors import Refusal
from .masked_paths import HOME_ROOT_FLAG, home_root_problem
from .safe_io import read_without_links
from .toolchains import rustup_home

MAX_PATH_CHARS = 4096


class PathRefused(Refusal):
    """A path the model gave that we will not use; the message says why and what is allowed."""


@dataclass(frozen=True)
class AllowedRoots:
    """The directories a server may read and act in, resolved once at start-up."""

    paths: tuple[Path, ...]

    @classmethod
    def from_strings(
        cls, raw: Iterable[str], *, allow_home: bool = False, cwd: Path | None = None
    ) -> AllowedRoots:
        """The roots the operator named (default: the current directory). A root that is `/`, or
        is or holds the home directory (unless `allow_home`, --allow-home-root), is refused.
        Relative roots and the default are taken from `cwd` (the client's working directory; an
        engine serves many, so never its own) when given, else from this process's."""
        resolved: list[Path] = []
        for item in raw:
            path = Path(from_base(item, cwd)).resolve()
            if not path.is_dir():
                raise ValueError(f"--root {item!r} is not a directory")
            _refuse_home_root(path, f"--root {item!r}", allow_home)
            if path not in resolved:
                resolved.append(path)
        if not resolved:
            current = (cwd or Path.cwd()).resolve()
            what = f"the current directory {str(current)!r} (the root when no --root is given)"
            _refuse_home_root(current, what, allow_home)
            resolved.append(current)
        return cls(tuple(resolved))

    @property
    def default(self) -> Path:
        return self.paths[0]

    def describe(self) -> str:
        return ", ".join(str(p) for p in self.paths)

    def root_of(self, path: Path) -> Path | None:
        """The deepest allowed root containing `path` (already resolved), or None."""
        best: Path | None = None
        for root in self.paths:
            inside = path == root or path.is_relative_to(root)
            if inside and (best is None or len(root.parts) > len(best.parts)):
                best = root
        return best

    def contains(self, path: Path) -> bool:
        return self.root_of(path) is not None

    def confine(self, raw: str, base: Path | None = None) -> Path:
        """Resolve a model-supplied path (absolute, relative to `base`, `~/...` or `file://`)
        and return it only if it lies inside an allowed root."""
        path = _parse_path_text(raw)
        if not path.is_absolute():
            path = (base or self.default) / path
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError) as exc:  # symlink loops, permission errors
            raise PathRefused(f"path {raw!r} cannot be resolved: {exc}") from exc
        if not self.contains(resolved):
            shown = "" if str(resolved) == raw else f" (resolves to {resolved})"
            raise PathRefused(
                f"path {raw!r}{shown} is outside the allowed roots: {self.describe()}. "
                "Pass a path inside one of them."
            )
        return resolved


def from_base(raw: str, cwd: Path | None) -> str:
    """An operator's path with `~` expanded and, when relative, taken from `cwd` (if given)."""
    path = Path(raw).expanduser()
    return str(cwd / path) if cwd is not None and not path.is_absolute() else str(path)


def _refuse_home_root(path: Path, what: str, allow_home: bool) -> None:
    problem = home_root_problem(path, allow_home=allow_home)
    if problem is None:
        return
    message = f"{what} {problem}. Start the client in the project, or pass --root <project>"
    if home_root_problem(path, allow_home=True) is None:  # the flag would allow it
        message += (
            f"; to allow it anyway, pass {HOME_ROOT_FLAG} (its .ssh, .aws, tokens and other "
            "secrets stay hidden from project code)"
        )
    raise ValueError(message)


def _parse_path_text(raw: str) -> Path:
    if not isinstance(raw, str) or raw == "":
        raise PathRefused("path is empty; pass a directory or file inside the allowed roots")
    if "\x00" in raw:
        raise PathRefused(f"path {raw!r} contains a NUL byte")
    if len(raw) > MAX_PATH_CHARS:
        raise PathRefused(f"path is {len(raw)} characters long; the limit is {MAX_PATH_CHARS}")
    if "://" in raw:
        parsed = urlparse(raw)
        if parsed.scheme != "file":
            raise PathRefused(
                f"path {raw!r} is a {parsed.scheme!r} URL; only local paths and file:// URIs work"
            )
        if parsed.netloc not in ("", "localhost"):
            raise PathRefused(f"file URI {raw!r} names host {parsed.netloc!r}; only local files work")
        text = unquote(parsed.path)
        if "\x00" in text:
            raise PathRefused(f"path {raw!r} contains a NUL byte")
        return Path(text)
    return Path(os.path.expanduser(raw))


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
