"""Where the servers may look: allowed roots, path confinement, Cargo.toml and workspace discovery.

Both servers resolve every path a model gives them through `AllowedRoots.confine`, so a path
is accepted only when its real location (symlinks followed) lies inside a root the operator
allowed with `--root`.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from .errors import Refusal
from .masked_paths import HOME_ROOT_FLAG, home_root_problem
from .project_files import WalkedFile, walk_without_links
from .safe_io import read_without_links

MANIFEST_NAME = "Cargo.toml"
MAX_PATH_CHARS = 4096
# a manifest parsed by this process: tomllib parses a hostile 4 MB one (400,000 table headers) in
# 10-20 s of a loaded machine, on the event loop every session of an engine shares; real ones are
# well under 100 KB
MAX_MANIFEST_BYTES = 1024 * 1024


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


def find_manifest(path: Path, roots: AllowedRoots) -> Path:
    """The Cargo.toml that governs `path` (a directory or a Cargo.toml), searching upward the way
    cargo does but never above the allowed root that contains `path`."""
    root = roots.root_of(path)
    if root is None:  # callers confine first; this keeps the function safe on its own
        raise PathRefused(f"path {str(path)!r} is outside the allowed roots: {roots.describe()}")
    if not path.exists():
        raise PathRefused(f"path {str(path)!r} does not exist")
    if path.is_file():
        if path.name != MANIFEST_NAME:
            raise PathRefused(
                f"path {str(path)!r} is a file but not a Cargo.toml; pass the project directory "
                "or its Cargo.toml"
            )
        return path
    current = path
    while True:
        candidate = current / MANIFEST_NAME
        if candidate.is_file():
            real = candidate.resolve()
            if not roots.contains(real):
                raise PathRefused(
                    f"{candidate} links to {real}, outside the allowed roots: {roots.describe()}"
                )
            return real
        if current == root:
            break
        current = current.parent
    raise PathRefused(
        f"no Cargo.toml in {str(path)!r} or its parents up to the root {str(root)!r}; "
        "pass the directory of a Rust package or workspace"
    )


def read_manifest(path: Path) -> dict[str, object]:
    """A manifest's data, or {} when it is unreadable, a link, over MAX_MANIFEST_BYTES or not TOML."""
    import tomllib  # here, not at start: only manifests need it (a 10 ms import)

    from .toml_text import parse_toml

    try:  # through the one door: no link on the way, a regular file, size-limited
        data = read_without_links(path, MAX_MANIFEST_BYTES)
        return parse_toml(data.decode("utf-8")) if data is not None else {}
    except (OSError, Refusal, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return {}


def _member_patterns(workspace: object, key: str) -> list[str]:
    if not isinstance(workspace, dict):
        return []
    value = workspace.get(key, [])
    return [str(v).rstrip("/") for v in value] if isinstance(value, list) else []


def _matches_any(relative: str, patterns: Sequence[str]) -> bool:
    return any(relative == p or fnmatch.fnmatchcase(relative, p) for p in patterns)


def find_workspace_root(manifest: Path, roots: AllowedRoots) -> Path:
    """The directory of the workspace root manifest for `manifest`, as cargo finds it: the manifest
    itself if it declares [workspace], else the first ancestor whose [workspace] does not exclude it.
    Never outside the allowed root holding the manifest: a `package.workspace` that points out of it,
    or a workspace above it, is not looked at, and the package is its own workspace."""
    package_dir = manifest.parent
    root = roots.root_of(manifest) or package_dir
    data = read_manifest(manifest)
    if "workspace" in data:
        return package_dir
    package = data.get("package")
    if isinstance(package, dict) and isinstance(package.get("workspace"), str):
        try:
            explicit = (package_dir / str(package["workspace"])).resolve()
        except (OSError, RuntimeError):
            return package_dir
        return explicit if explicit == root or explicit.is_relative_to(root) else package_dir
    for ancestor in package_dir.parents:
        if not ancestor.is_relative_to(root):
            break
        candidate = ancestor / MANIFEST_NAME
        if not candidate.is_file():
            continue
        workspace = read_manifest(candidate).get("workspace")
        if workspace is None:
            continue
        relative = package_dir.relative_to(ancestor).as_posix()
        if _matches_any(relative, _member_patterns(workspace, "exclude")):
            return package_dir
        return ancestor
    return package_dir


SKIP_DIRS = frozenset({"target", ".git", "node_modules"})


def walked_into(name: str) -> bool:
    """Whether the project walk enters a directory of this name (not build output, VCS data or hidden)."""
    return name not in SKIP_DIRS and not name.startswith(".")


def project_files(
    root: Path, wanted: Callable[[str], bool], entering: Callable[[str], None] | None = None
) -> Generator[WalkedFile, None, None]:
    """Files under `root` whose name passes `wanted`, skipping build output, VCS data and hidden
    directories. The one directory walk both servers use, through the one door (no directory listed
    through a link). `entering` is called with each directory walked into, before it is listed."""
    return walk_without_links(root, walked_into, wanted, entering)


def package_directories(root: Path) -> dict[str, Path]:
    """Package name -> directory, for every Cargo.toml under a workspace root that declares one."""
    found: dict[str, Path] = {}
    for entry in project_files(root, lambda name: name == MANIFEST_NAME):
        package = read_manifest(Path(entry.path)).get("package")
        if isinstance(package, dict) and isinstance(package.get("name"), str):
            found[package["name"]] = Path(entry.path).parent
    return found
