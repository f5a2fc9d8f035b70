"""One reader of a Cargo.lock's contents (rust_mcp/core/lockfile.locked_packages) with one limit
(budgets.MAX_LOCKFILE_BYTES), used by the start ahead's "all fetched" test, cargo_outdated and the
fetch step's address check. Before, the three read it with 16 MiB, 32 MiB and 1 MiB limits: a lockfile
over 1 MiB hid its sources from the address check, and one over 16 MiB never counted as fetched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cargo_mcp.workflows.outdated import locked_versions
from ra_mcp.pool_start import fetched_locally
from rust_mcp.core import lockfile
from rust_mcp.core.budgets import MAX_LOCKFILE_BYTES
from rust_mcp.core.errors import Refusal
from rust_mcp.core.fetch_hosts import FetchHosts, refused_urls
from rust_mcp.core.files import FileSnapshot
from rust_mcp.core.lockfile import LockedPackage, UnreadableLockfile, locked_packages
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.core.safe_io import NotAFile

LOCK = """version = 3

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["near", "serde 1.0.200"]

[[package]]
name = "near"
version = "0.2.0"

[[package]]
name = "serde"
version = "1.0.200"
source = "registry+https://github.com/rust-lang/crates.io-index"
"""
PRIVATE_GIT = """
[[package]]
name = "inside"
version = "0.1.0"
source = "git+http://127.0.0.1:9/inside.git#0123abcd"
"""
MANIFEST = '[package]\nname = "app"\nversion = "0.1.0"\n'
PADDING = 17 * 1024 * 1024  # over the old 16 MiB and 1 MiB limits, under MAX_LOCKFILE_BYTES


def padded(text: str, size: int) -> str:
    return f"# {'x' * size}\n{text}"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Cargo.toml").write_text(MANIFEST)
    return tmp_path / "app"


@pytest.fixture
def cargo_home(tmp_path: Path) -> Path:
    unpacked = tmp_path / "home" / "registry" / "src" / "index.crates.io-6f17d22bba15001f" / "serde-1.0.200"
    unpacked.mkdir(parents=True)
    return tmp_path / "home"


def test_the_reader_types_each_package(project: Path) -> None:
    (project / "Cargo.lock").write_text(LOCK)
    packages = locked_packages(project / "Cargo.lock")
    assert packages is not None
    assert packages[0] == LockedPackage("app", "0.1.0", None, ("near", "serde 1.0.200"))
    assert packages[2].source == "registry+https://github.com/rust-lang/crates.io-index"
    assert locked_packages(project / "absent.lock") is None


def test_a_large_lockfile_within_the_limit_is_read_by_every_reader(project: Path, cargo_home: Path) -> None:
    assert PADDING < MAX_LOCKFILE_BYTES
    (project / "Cargo.lock").write_text(padded(LOCK + PRIVATE_GIT, PADDING))
    assert locked_versions(project)[("app", "serde")] == "1.0.200"
    refused = refused_urls(project, AllowedRoots((project.parent,)), FetchHosts())
    assert refused is not None and "http://127.0.0.1:9/inside.git" in refused  # the 1 MiB reader missed it
    (project / "Cargo.lock").write_text(padded(LOCK, PADDING))
    assert fetched_locally(project, cargo_home)  # the 16 MiB reader said False


def test_a_lockfile_over_the_limit_is_refused_by_name(
    project: Path, cargo_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lockfile, "MAX_LOCKFILE_BYTES", 1024)
    (project / "Cargo.lock").write_text(padded(LOCK, 2048))
    with pytest.raises(Refusal, match=r"Cargo\.lock is .* bytes; files over 1024 bytes are not read"):
        locked_packages(project / "Cargo.lock")
    assert not fetched_locally(project, cargo_home)
    assert locked_versions(project) == {}
    # cargo may still read it: its sources were not checked, so the fetch is not run
    refused = refused_urls(project, AllowedRoots((project.parent,)), FetchHosts())
    assert refused is not None and refused.startswith("not run:") and "Cargo.lock" in refused


def test_no_reader_follows_a_link_or_opens_a_fifo(project: Path, cargo_home: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere.lock").write_text(LOCK)
    (project / "Cargo.lock").symlink_to(tmp_path / "elsewhere.lock")
    with pytest.raises(NotAFile, match="symbolic link"):
        locked_packages(project / "Cargo.lock")
    assert not fetched_locally(project, cargo_home)
    assert locked_versions(project) == {}
    (project / "Cargo.lock").unlink()
    os.mkfifo(project / "Cargo.lock")  # opened for reading, it would block the call forever
    with pytest.raises(NotAFile, match="not a regular file"):
        locked_packages(project / "Cargo.lock")
    assert not fetched_locally(project, cargo_home)
    assert locked_versions(project) == {}


def test_a_lockfile_cargo_cannot_read_is_named(project: Path) -> None:
    (project / "Cargo.lock").write_text("[[package]\nname =")
    with pytest.raises(UnreadableLockfile, match=r"Cargo\.lock is not a lockfile cargo can read"):
        locked_packages(project / "Cargo.lock")
    (project / "Cargo.lock").write_text('package = "one"\n')
    with pytest.raises(UnreadableLockfile, match="`package` that is not an array"):
        locked_packages(project / "Cargo.lock")
    # cargo stops on it itself: the address check has nothing to add
    assert refused_urls(project, AllowedRoots((project.parent,)), FetchHosts()) is None


def test_a_guarded_change_snapshots_a_large_lockfile_to_put_it_back(project: Path) -> None:
    """A dependency change's guard (files.FileSnapshot) read Cargo.lock under the source files'
    16 MiB: a larger lockfile was not snapshotted, so a failed change could not put it back."""
    lock = project / "Cargo.lock"
    lock.write_text(padded(LOCK, PADDING))
    snapshot = FileSnapshot.manifests(project)
    lock.write_text(LOCK)  # the change cargo made
    assert snapshot.changed() == [lock]
    snapshot.restore()
    assert lock.read_text() == padded(LOCK, PADDING)
