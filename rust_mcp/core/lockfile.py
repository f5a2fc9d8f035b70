"""A private Cargo.lock for the cargo runs of read-only tools: cargo resolves into a copy beside the
build output instead of rewriting the project's own lockfile (as rust-analyzer itself does for
`cargo metadata`), so loading a workspace or auditing it never changes a tracked Cargo.lock, and a
stale lock works in a sandbox where the workspace is read-only."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

LOCKFILE_PATH_ENV = "CARGO_RESOLVER_LOCKFILE_PATH"
LOCKFILE_SETTINGS = (
    "__CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS",
    "CARGO_UNSTABLE_LOCKFILE_PATH",
    LOCKFILE_PATH_ENV,
)
TOOLCHAIN_FILES = ("rust-toolchain", "rust-toolchain.toml")


def private_lock_env(root: Path, directory: Path) -> dict[str, str]:
    """Environment that points cargo's lockfile at `directory`/Cargo.lock, a fresh copy of the
    workspace's own. Left out when a toolchain file pins a cargo that may not know the setting."""
    if any((root / name).exists() for name in TOOLCHAIN_FILES):
        return {}
    private = directory / "Cargo.lock"
    refresh_private_lock(root, private)
    return {
        "__CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS": "nightly",
        "CARGO_UNSTABLE_LOCKFILE_PATH": "true",
        LOCKFILE_PATH_ENV: str(private),
    }


def refresh_private_lock(root: Path, private: Path) -> None:
    """Copy the project's Cargo.lock (when there is one) over the private copy."""
    try:
        private.parent.mkdir(parents=True, exist_ok=True)
        if (root / "Cargo.lock").is_file():
            shutil.copyfile(root / "Cargo.lock", private)
        else:
            private.unlink(missing_ok=True)
    except OSError:
        pass


def lockfile_settings(env: Mapping[str, str]) -> dict[str, str]:
    """The private-lockfile settings among `env` (for a helper run such as the dependency fetch)."""
    return {name: env[name] for name in LOCKFILE_SETTINGS if name in env}
