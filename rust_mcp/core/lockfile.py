"""A private Cargo.lock for the cargo runs of read-only tools: cargo resolves into a copy beside the
build output instead of rewriting the project's own lockfile (as rust-analyzer itself does for
`cargo metadata`), so loading a workspace or auditing it never changes a tracked Cargo.lock, and a
stale lock works in a sandbox where the workspace is read-only.

The copy goes through the one door (project_files): project code can plant a link at either end
(a proc macro may write `target/rust-analyzer`), so the source is read without following links
(a regular file, size-limited) and the destination is replaced by a rename inside its directory
opened without links: a link there is replaced, never written through."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from pathlib import Path

from .budgets import MAX_LOCKFILE_BYTES
from .errors import Refusal
from .project_files import copy_without_links, name_present, remove_file

LOCKFILE_PATH_ENV = "CARGO_RESOLVER_LOCKFILE_PATH"
LOCKFILE_SETTINGS = (
    "__CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS",
    "CARGO_UNSTABLE_LOCKFILE_PATH",
    LOCKFILE_PATH_ENV,
)
TOOLCHAIN_FILES = ("rust-toolchain", "rust-toolchain.toml")
log = logging.getLogger(__name__)


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
