"""Every directory a sandboxed run may write besides the workspace itself is a checked build
directory: its target and build directories, rust-analyzer's and the unsafe audit's own build
directories, the private lockfile's directory.

A build directory is mounted writable into a sandbox that runs project code (build scripts, proc
macros, tests), and cargo_clean deletes it. So, wherever the setting came from (cargo_env,
`build.target-dir` in any .cargo/config.toml, the server's own choice), it must be:

- inside the allowed roots, and not a root, the workspace, or a folder holding either;
- reached without a symbolic link anywhere on its path (checked component by component, never
  following one, the way the sandbox opens it for mounting);
- inside the workspace (its own trust domain: a shared folder elsewhere would let one workspace's
  build scripts change what another's builds and tests run); outside it, the refusal says whether it
  is inside, or holds, a Cargo.toml of another package or workspace (the folders above it up to its
  root; the folders in it to `HOLDS_DEPTH` levels);
- under a client's sandbox that restricts writes (Codex `read-only` / `workspace-write`): inside
  the workspace's own `target`, or inside what the client itself may write.

cargo_clean deletes only a directory cargo made: one holding `CACHEDIR.TAG` (cargo writes it when it
creates a target directory; the server writes it too when it creates one) and no Cargo.toml.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import NoReturn

from .cargo_projects import MANIFEST_NAME
from .client_policy import ClientPolicy
from .errors import Refusal
from .project_files import list_directory
from .roots import AllowedRoots
from .safe_io import LinkOnTheWay, mode_at, open_without_links, opened_directory, read_at, write_without_links

CACHEDIR_TAG = "CACHEDIR.TAG"
CACHEDIR_SIGNATURE = b"Signature: 8a477f597d28d172789f06886806bc55"
OUR_TAG = CACHEDIR_SIGNATURE + (
    b"\n# This file is a cache directory tag created by rust-mcp for cargo's build output.\n"
    b"# For information about cache directory tags see https://bford.info/cachedir/\n"
)
HOLDS_DEPTH = 2  # a Cargo.toml is looked for in the directory and in folders up to this many levels down
HOLDS_ENTRIES = 50_000  # and among at most this many directory entries
# what cargo itself puts in a target directory that holds manifests: `cargo package`'s copies
CARGO_MANIFEST_FOLDERS = ("package",)
DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class BuildDirectoryRefused(Refusal):
    """A build directory that no sandbox may write and cargo_clean may not delete."""


def lexical_path(path: Path, shown: str = "") -> Path:
    """`path` (absolute) with `.` and `..` taken out as the kernel would: refused when a folder before
    a `..` is a symbolic link (then `..` leads somewhere else than the text says)."""
    if not path.is_absolute():
        raise ValueError(f"{path} is not absolute")
    parts = path.parts
    for index, part in enumerate(parts):
        if part == ".." and index > 1:
            _no_link_on(Path(os.path.normpath(Path(*parts[:index]))), shown or str(path))
    return Path(os.path.normpath(path))


def _no_link_on(path: Path, shown: str) -> int | None:
    """The mode of `path` (None when it does not exist), checking that no component of it (or of the
    part of it that exists) is a symbolic link; raises BuildDirectoryRefused naming the link."""
    current = path
    while True:
        try:
            fd = open_without_links(current)
        except FileNotFoundError:
            if current.parent == current:
                return None
            current = current.parent
            continue
        except LinkOnTheWay as exc:
            link = next((p for p in (*reversed(current.parents), current) if os.path.islink(p)), None)
            found = f"{link} is a symbolic link" if link is not None else str(exc)
            raise BuildDirectoryRefused(f"{shown}, which goes through a symbolic link ({found})") from exc
        try:
            mode = os.fstat(fd).st_mode
        finally:
            os.close(fd)
        return mode if current == path else None


def exists_without_links(path: Path) -> bool:
    """Whether `path` (absolute, without `..`) exists and is reached without any symbolic link."""
    try:
        return _no_link_on(path, str(path)) is not None
    except BuildDirectoryRefused:
        return False


def check_build_directory(
    path: Path,
    *,
    label: str,
    origin: str,
    fix: str,
    workspace: Path,
    roots: AllowedRoots,
    policy: ClientPolicy | None = None,
) -> Path:
    """`path` checked as a directory a sandboxed run may write and cargo_clean may delete; returns it
    with `.` and `..` taken out. `label` says what it is ("the target directory"), `origin` where
    its value came from, `fix` the one change that makes it acceptable."""
    said = f"{label} resolves to {path} ({origin})"
    path, exists = check_placement(path, said=said, fix=fix, project=workspace, roots=roots)
    if not path.is_relative_to(workspace):
        _not_another_package(path, roots, said, fix, exists)
        _refuse(
            f"{said}, outside the workspace {workspace}: a folder elsewhere may be another workspace's "
            "build output, whose builds and tests would then run what this workspace's code wrote",
            fix,
        )
    _within_policy(path, workspace, policy, said, fix)
    return path


def check_placement(
    path: Path, *, said: str, fix: str, project: Path, roots: AllowedRoots
) -> tuple[Path, bool]:
    """The checks that need no workspace: inside the roots, not a root or the project or a folder
    holding one, no link on the way, a directory if it exists. Returns the path without `.` and
    `..`, and whether it exists."""
    try:
        path = lexical_path(path, said)
    except BuildDirectoryRefused as exc:
        _refuse(str(exc), "remove the link, or " + fix)
    covered = [project, *roots.paths]
    if any(inside == path or inside.is_relative_to(path) for inside in covered):
        _refuse(f"{said}, which is or contains the project or a root", fix)
    if not roots.contains(path):
        _refuse(
            f"{said}, outside the allowed roots ({roots.describe()}); the sandbox lets a run write only "
            "inside the roots",
            fix,
        )
    try:
        mode = _no_link_on(path, said)
    except BuildDirectoryRefused as exc:
        _refuse(str(exc), "remove the link, or " + fix)
    exists = mode is not None
    if mode is not None and not stat.S_ISDIR(mode):
        _refuse(f"{said}, which is not a directory", fix)
    return path, exists


def _refuse(reason: str, fix: str) -> NoReturn:
    raise BuildDirectoryRefused(
        f"{reason}. cargo writes build output there, and the build scripts, proc macros and tests it "
        f"runs may change anything in it (cargo_clean deletes it). Nothing was run. Fix: {fix}"
    )


def _not_another_package(path: Path, roots: AllowedRoots, said: str, fix: str, exists: bool) -> None:
    root = roots.root_of(path)
    above = [path, *path.parents]
    for folder in above[1 : above.index(root) + 1] if root is not None else []:
        if _manifest_in(folder):
            _refuse(f"{said}, inside {folder}, the package or workspace of {folder / MANIFEST_NAME}", fix)
    held = find_manifest_inside(path) if exists else None
    if held is not None:
        _refuse(f"{said}, which holds {held}, a package or workspace that is not this one", fix)


def _manifest_in(folder: Path) -> bool:
    try:
        with opened_directory(folder) as fd:
            return mode_at(fd, MANIFEST_NAME) is not None
    except (FileNotFoundError, NotADirectoryError):
        return False


def find_manifest_inside(path: Path) -> Path | None:
    """A Cargo.toml in `path` or in its folders down to HOLDS_DEPTH levels (not through links, not in
    cargo's own `package` folder, at most HOLDS_ENTRIES entries looked at), or None."""
    seen = 0
    queue: list[tuple[Path, int]] = [(path, 0)]
    while queue:
        folder, depth = queue.pop(0)
        for name, is_dir in _entries(folder):
            seen += 1
            if seen > HOLDS_ENTRIES:
                return None
            if name == MANIFEST_NAME:
                return folder / name
            if is_dir and depth < HOLDS_DEPTH and not (depth == 0 and name in CARGO_MANIFEST_FOLDERS):
                queue.append((folder / name, depth + 1))
    return None


def _entries(folder: Path) -> list[tuple[str, bool]]:
    """(name, is a real directory) of each entry of `folder`, listed through the one door."""
    try:
        return [(entry.name, entry.is_directory) for entry in list_directory(folder)]
    except (OSError, Refusal):
        return []


def _within_policy(path: Path, workspace: Path, policy: ClientPolicy | None, said: str, fix: str) -> None:
    if policy is None or policy.writable is None:
        return
    own = workspace / "target"
    if path == own or path.is_relative_to(own):
        return
    if any(path == w or path.is_relative_to(w) for w in policy.writable):
        return
    allowed = f"this workspace's own target directory {own}"
    if policy.writable:
        allowed += " and " + ", ".join(str(p) for p in policy.writable)
    raise BuildDirectoryRefused(
        f"{said}, but the client's sandbox for this session is {policy.describe()}: a run may write "
        f"only {allowed} (the agent's files stay as the client's sandbox keeps them). Nothing was run. "
        f"Fix: {fix}"
    )


def create_build_directory(path: Path) -> None:
    """Make a checked build directory that is missing, without following links, tagged as cargo tags
    the target directories it makes (so cargo_clean may delete it later)."""
    try:
        try:
            os.close(open_without_links(path))
            return
        except FileNotFoundError:
            pass
        os.close(open_without_links(path, create_directories=True))
        write_without_links(path / CACHEDIR_TAG, OUR_TAG)
    except LinkOnTheWay as exc:
        raise BuildDirectoryRefused(f"the build directory {path} cannot be created: {exc}") from exc
    except OSError as exc:
        reason = exc.strerror or exc
        raise BuildDirectoryRefused(f"cannot create the build directory {path}: {reason}") from exc


def check_cargo_made(path: Path, origin: str) -> bool:
    """Refuse to let cargo_clean delete `path` unless cargo made it: it holds CACHEDIR.TAG and no
    Cargo.toml (see find_manifest_inside). False when there is nothing there to delete."""
    try:
        with opened_directory(path) as fd:
            try:
                tag = read_at(fd, CACHEDIR_TAG, 4096, path / CACHEDIR_TAG)
            except Refusal:  # a link, a FIFO, a huge file: not cargo's tag
                tag = None
    except FileNotFoundError:
        return False
    except LinkOnTheWay as exc:
        raise BuildDirectoryRefused(f"{path} ({origin}) is not deleted: {exc}") from exc
    if tag is None or not tag.startswith(CACHEDIR_SIGNATURE):
        raise BuildDirectoryRefused(
            f"cargo_clean deletes only a directory cargo made: {path} ({origin}) has no CACHEDIR.TAG "
            "(cargo writes one in every target directory it creates), so it may be someone's files. "
            "Nothing was deleted. Fix: point the target directory at a folder cargo makes (e.g. the "
            "default <workspace>/target), or delete the folder by hand if it is build output"
        )
    held = find_manifest_inside(path)
    if held is not None:
        raise BuildDirectoryRefused(
            f"cargo_clean deletes only build output: {path} ({origin}) holds {held}, a package's "
            "files. Nothing was deleted. Fix: move that package out of the target directory, or "
            "delete what you mean to by hand"
        )
    return True
