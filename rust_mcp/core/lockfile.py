"""A private Cargo.lock for the cargo runs of read-only tools: cargo resolves into a copy beside the
build output instead of rewriting the project's own lockfile (as rust-analyzer itself does for
`cargo metadata`), so loading a workspace or auditing it never changes a tracked Cargo.lock, and a
stale lock works in a sandbox where the workspace is read-only.

The copy goes through the one door (project_files): project code can plant a link at either end
(a proc macro may write `target/rust-analyzer`), so the source is read without following links
(a regular file, size-limited) and the destination is replaced by a rename inside its directory
opened without links: a link there is replaced, never written through.

`locked_packages` is the one reader of a Cargo.lock's contents (the start ahead's "all fetched"
test, cargo_outdated, the fetch step's address check): through the same door, under the same
MAX_LOCKFILE_BYTES as the copy, so no reader sees less of a lockfile than another (or than cargo)."""

from __future__ import annotations

import contextlib
import logging
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .budgets import MAX_LOCKFILE_BYTES
from .errors import Refusal
from .project_files import copy_without_links, name_present, remove_file
from .safe_io import read_without_links
from .toml_text import parse_toml

LOCKFILE_PATH_ENV = "CARGO_RESOLVER_LOCKFILE_PATH"
LOCKFILE_SETTINGS = (
    "__CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS",
    "CARGO_UNSTABLE_LOCKFILE_PATH",
    LOCKFILE_PATH_ENV,
)
TOOLCHAIN_FILES = ("rust-toolchain", "rust-toolchain.toml")
log = logging.getLogger(__name__)


class UnreadableLockfile(Refusal):
    """A Cargo.lock that is not UTF-8 TOML with a `package` array; its message names the file."""


@dataclass(frozen=True)
class LockedPackage:
    """One `[[package]]` of a Cargo.lock. `source` is None for a package of the workspace (or a
    path dependency); `dependencies` are the entries as written ("name", "name version", ...)."""

    name: str
    version: str
    source: str | None
    dependencies: tuple[str, ...]


def locked_packages(path: Path) -> tuple[LockedPackage, ...] | None:
    """The packages of the Cargo.lock at `path` (absolute), read without following a link, a regular
    file of at most MAX_LOCKFILE_BYTES; None when there is none. Raises Refusal (NotAFile,
    FileTooLarge, LinkOnTheWay, UnreadableLockfile: each names the file) or OSError. Blocking."""
    data = read_without_links(path, MAX_LOCKFILE_BYTES)
    if data is None:
        return None
    try:
        table = parse_toml(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UnreadableLockfile(f"{path} is not a lockfile cargo can read: {exc}") from exc
    entries = table.get("package", [])
    if not isinstance(entries, list):
        raise UnreadableLockfile(f"{path} has a `package` that is not an array of tables")
    return tuple(_package(entry) for entry in entries if isinstance(entry, dict))


def _package(entry: dict[str, object]) -> LockedPackage:
    source = entry.get("source")
    dependencies = entry.get("dependencies")
    return LockedPackage(
        name=str(entry.get("name")),
        version=str(entry.get("version")),
        source=None if source is None else str(source),
        dependencies=tuple(str(d) for d in dependencies) if isinstance(dependencies, list) else (),
    )


def private_lock_env(root: Path, directory: Path) -> dict[str, str]:
    """Environment that points cargo's lockfile at `directory`/Cargo.lock, a fresh copy of the
    workspace's own. Left out when a toolchain file pins a cargo that may not know the setting.
    Blocking (it reads and writes files): async callers run it through project_files.off_loop."""
    if any(name_present(root / name) for name in TOOLCHAIN_FILES):
        return {}
    private = directory / "Cargo.lock"
    refresh_private_lock(root, private)
    return {
        "__CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS": "nightly",
        "CARGO_UNSTABLE_LOCKFILE_PATH": "true",
        LOCKFILE_PATH_ENV: str(private),
    }


def refresh_private_lock(root: Path, private: Path) -> None:
    """Copy the project's Cargo.lock (when there is one) over the private copy. A lockfile that is a
    link, not a regular file or too large is not copied, and the private copy is removed: cargo then
    resolves a fresh one there. A private copy whose directory has a link on the way is left alone."""
    try:
        copy_without_links(root / "Cargo.lock", private, MAX_LOCKFILE_BYTES)
    except Refusal as refused:  # NotAFile, FileTooLarge, LinkOnTheWay: each names the path
        log.warning("private lockfile not refreshed: %s", refused)
        with contextlib.suppress(OSError, Refusal):
            remove_file(private)
    except OSError as exc:
        log.warning("private lockfile not refreshed: %s", exc)


def lockfile_settings(env: Mapping[str, str]) -> dict[str, str]:
    """The private-lockfile settings among `env` (for a helper run such as the dependency fetch)."""
    return {name: env[name] for name in LOCKFILE_SETTINGS if name in env}
