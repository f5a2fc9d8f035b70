"""The one door's functions on planted files (fast tier: files, FIFOs and links, no process): each of
issue 21's server-side breaks, replayed on the function that broke. A link at either end of the
private-lockfile copy, .snap files that link to secrets, a FIFO and a /dev/zero link as a package's
src/lib.rs, a FIFO as a tracked file: refused or skipped by name, at once, and nothing written or read
outside."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import anyio
import pytest

from cargo_mcp.parse.snapshots import read_pending
from cargo_mcp.workflows.git_changes import compare_worktree
from ra_mcp.places.symbol_paths import crate_aliases
from rust_mcp.core.cargo_projects import project_files
from rust_mcp.core.lockfile import LOCKFILE_PATH_ENV, private_lock_env
from rust_mcp.core.project_files import (
    MAX_WALK_DEPTH,
    DoorTimeout,
    FileTooLarge,
    LinkOnTheWay,
    NotAFile,
    copy_without_links,
    git_blob_id,
    off_loop,
    read_text,
    remove_empty_directory,
)

SECRET = "SECRET-door-7f3a"


@pytest.fixture
def places(tmp_path: Path) -> tuple[Path, Path]:
    """(inside, outside): a project tree and a directory beside it holding a secret and a marker."""
    inside, outside = tmp_path / "inside", tmp_path / "outside"
    inside.mkdir()
    outside.mkdir()
    (outside / "secret").write_text(f"{SECRET}\n")
    (outside / "marker").write_text("untouched\n")
    return inside, outside


def test_private_lock_replaces_a_link_at_its_destination(places: tuple[Path, Path]) -> None:
    inside, outside = places
    (inside / "Cargo.lock").write_text("# attacker payload\nversion = 4\n")
    own = inside / "target" / "rust-analyzer"
    own.mkdir(parents=True)
    (own / "Cargo.lock").symlink_to(outside / "marker")
    env = private_lock_env(inside, own)
    assert env[LOCKFILE_PATH_ENV] == str(own / "Cargo.lock")
    assert (outside / "marker").read_text() == "untouched\n"
    assert not (own / "Cargo.lock").is_symlink()
    assert (own / "Cargo.lock").read_text() == "# attacker payload\nversion = 4\n"


def test_private_lock_never_copies_a_linked_source(places: tuple[Path, Path]) -> None:
    inside, outside = places
    (inside / "Cargo.lock").symlink_to(outside / "secret")
    own = inside / "target" / "rust-analyzer"
    own.mkdir(parents=True)
    (own / "Cargo.lock").write_text("stale copy\n")
    private_lock_env(inside, own)
    assert not (own / "Cargo.lock").exists()  # removed: cargo resolves a fresh one there
    assert not any(SECRET in p.read_text() for p in own.iterdir())


def test_private_lock_directory_behind_a_link_is_not_written(places: tuple[Path, Path]) -> None:
    inside, outside = places
    (inside / "Cargo.lock").write_text("payload\n")
    (inside / "target").symlink_to(outside)
    private_lock_env(inside, inside / "target" / "rust-analyzer")
    assert sorted(p.name for p in outside.iterdir()) == ["marker", "secret"]


def test_copy_refuses_a_fifo_at_once(places: tuple[Path, Path]) -> None:
    inside, _ = places
    os.mkfifo(inside / "Cargo.lock")
    started = time.monotonic()
    with pytest.raises(NotAFile, match=r"Cargo\.lock is not a regular file"):
        copy_without_links(inside / "Cargo.lock", inside / "copy", 1024)
    assert time.monotonic() - started < 5


def test_reads_refuse_links_devices_and_large_files(places: tuple[Path, Path]) -> None:
    inside, outside = places
    (inside / "zero").symlink_to("/dev/zero")
    with pytest.raises(NotAFile, match="zero is a symbolic link"):
        read_text(inside / "zero", 1024)
    (inside / "big").write_bytes(b"x" * 2048)
    with pytest.raises(FileTooLarge, match="2048 bytes"):
        read_text(inside / "big", 1024)
    (inside / "linked").symlink_to(outside)
    with pytest.raises(LinkOnTheWay, match="symbolic link"):
        read_text(inside / "linked" / "secret", 1024)
    assert read_text(inside / "absent", 1024) is None


def test_remove_empty_directory_never_follows_a_link(places: tuple[Path, Path]) -> None:
    inside, outside = places
    (outside / "empty").mkdir()
    (inside / "build").symlink_to(outside / "empty")
    assert not remove_empty_directory(inside / "build")
    assert (outside / "empty").is_dir()
    (inside / "made").mkdir()
    assert remove_empty_directory(inside / "made") and not (inside / "made").exists()


def _pending(path: Path) -> str:
    return json.dumps({"type": "file_snapshot", "path": str(path)})


def test_snapshots_linking_to_secrets_are_refused_by_name(places: tuple[Path, Path]) -> None:
    inside, outside = places
    snapshots = inside / "tests" / "snapshots"
    snapshots.mkdir(parents=True)
    (snapshots / "a__secret.snap").symlink_to(outside / "secret")
    (snapshots / "a__secret.snap.new").write_text("---\nsource: tests/a.rs\n---\nnew\n")
    (snapshots / "a__environ.snap").write_text("---\nsource: tests/a.rs\n---\nold\n")
    (snapshots / "a__environ.snap.new").symlink_to("/proc/self/environ")
    os.mkfifo(snapshots / "a__fifo.snap.new")
    lines = [
        _pending(snapshots / "a__secret.snap"),
        _pending(snapshots / "a__environ.snap"),
        _pending(snapshots / "a__fifo.snap"),
        _pending(inside / ".." / "outside" / "secret"),  # a path cargo insta printed, walking out
        _pending(outside / "secret"),
    ]
    found = read_pending(lines, inside)
    everything = json.dumps([s.model_dump() for s in found])
    assert SECRET not in everything and "PATH=" not in everything
    diffs = {s.name: s.diff for s in found}
    assert "a__secret.snap is a symbolic link; it is not read" in diffs["tests/snapshots/a__secret.snap"]
    assert "a__environ.snap.new is a symbolic link" in diffs["tests/snapshots/a__environ.snap"]
    assert "a__fifo.snap.new is not a regular file" in diffs["tests/snapshots/a__fifo.snap"]
    assert sum("is outside the workspace" in s.diff for s in found) == 2


def _package(directory: Path, name: str, lib: str | None) -> None:
    (directory / "src").mkdir(parents=True)
    (directory / "Cargo.toml").write_text(f'[package]\nname = "{name}"\nversion = "0.1.0"\n')
    if lib is not None:
        (directory / "src" / "lib.rs").write_text(lib)


def test_crate_aliases_skip_a_fifo_and_a_dev_zero_link(places: tuple[Path, Path]) -> None:
    inside, _ = places
    _package(inside / "facade", "facade", "pub extern crate grep_searcher as searcher;\n")
    _package(inside / "vendor" / "fifo", "fifo", None)
    os.mkfifo(inside / "vendor" / "fifo" / "src" / "lib.rs")
    _package(inside / "vendor" / "zero", "zero", None)
    (inside / "vendor" / "zero" / "src" / "lib.rs").symlink_to("/dev/zero")
    started = time.monotonic()
    assert crate_aliases(inside) == {("facade", "searcher"): ("grep_searcher",)}
    assert time.monotonic() - started < 5


def test_hashing_counts_a_fifo_as_changed_and_never_waits(places: tuple[Path, Path]) -> None:
    inside, _ = places
    (inside / "kept.txt").write_text("same\n")
    os.mkfifo(inside / "data.txt")
    (inside / "link").symlink_to("target-name")
    kept, link = git_blob_id(inside / "kept.txt", 1024), git_blob_id(inside / "link", 1024)
    assert kept == hashlib.sha1(b"blob 5\0same\n").hexdigest()  # what `git hash-object` says
    assert link == hashlib.sha1(b"blob 11\0target-name").hexdigest()  # a link's blob is its target
    assert git_blob_id(inside / "data.txt", 1024) is None
    listing = "\0".join(
        f"100644 blob {blob}\t{name}"
        for name, blob in (("kept.txt", kept), ("data.txt", "0" * 40), ("link", link))
    )
    started = time.monotonic()
    changed, added = compare_worktree(inside, inside, listing)
    assert time.monotonic() - started < 5
    assert changed == {"data.txt"} and added == []


@pytest.mark.anyio
async def test_off_loop_answers_within_its_deadline_and_spares_anyio_threads() -> None:
    def slow() -> None:
        time.sleep(2.5)

    started = time.monotonic()
    with pytest.raises(DoorTimeout, match=r"reading a slow file did not finish within 0\.3 s"):
        await off_loop(slow, deadline=0.3, what="reading a slow file")
    assert time.monotonic() - started < 2  # answered, not waited for the thread
    # anyio's own pool is not the door's: its threads stay free while the door's one is stuck
    assert await anyio.to_thread.run_sync(lambda: 42) == 42


def test_the_project_walk_never_lists_through_a_link(places: tuple[Path, Path]) -> None:
    inside, outside = places
    (inside / "src").mkdir()
    (inside / "src" / "lib.rs").write_text("")
    (inside / "src" / "linked.rs").symlink_to(outside / "secret")
    (inside / "elsewhere").symlink_to(outside)  # a directory link: never entered
    (inside / "target").mkdir()
    (inside / "target" / "built.rs").write_text("")
    walked = {
        Path(f.path).relative_to(inside).as_posix(): f.is_symlink() for f in project_files(inside, bool)
    }
    assert walked == {"src/lib.rs": False, "src/linked.rs": True, "elsewhere": True}  # links: named only
    # a root reached through a link is not listed at all (every component is opened without links)
    assert list(project_files(inside / "elsewhere", bool)) == []
    entered: list[str] = []
    list(project_files(inside, bool, entered.append))
    assert sorted(Path(d).relative_to(inside).as_posix() for d in entered) == [".", "src"]


def test_the_walk_holds_one_descriptor_per_level_and_closes_them(places: tuple[Path, Path]) -> None:
    inside, _ = places
    deep = inside.joinpath(*["d"] * (MAX_WALK_DEPTH + 5))
    deep.mkdir(parents=True)
    (deep / "too-deep.rs").write_text("")
    (inside / "d" / "shallow.rs").write_text("")
    before = len(os.listdir("/proc/self/fd"))
    names = [f.name for f in project_files(inside, lambda name: name.endswith(".rs"))]
    assert names == ["shallow.rs"]  # past MAX_WALK_DEPTH levels nothing is listed
    walk = project_files(inside, lambda name: name.endswith(".rs"))
    next(walk)
    walk.close()  # a caller that stops at the first file (SSR's context) leaves no descriptor open
    assert len(os.listdir("/proc/self/fd")) == before
