"""The change journal against the walk it replaces, with real files and real inotify: after every kind
of change (edits, same-size rewrites, creation, deletion, renames, atomic saves, directories made,
removed and moved in, out and within the tree, links leading out, lost events, a replaced root), one
refresh leaves exactly what a fresh walk finds, and names every path whose stamp moved."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ra_mcp.workspace import change_journal
from ra_mcp.workspace.change_journal import ChangeJournal
from ra_mcp.workspace.fresh_runs import FreshRuns
from ra_mcp.workspace.inotify import remote_file_system
from ra_mcp.workspace.pool import vouched
from ra_mcp.workspace.workspaces import WATCHED_NAMES
from rust_mcp.core.file_stamps import FileStamp


def wanted(name: str) -> bool:
    return name.endswith(".rs") or name in WATCHED_NAMES


def walk(root: Path) -> dict[str, FileStamp]:
    return ChangeJournal(root, wanted, use_inotify=False).files


def settle(journal: ChangeJournal, root: Path) -> set[str]:
    """Refresh, check the view against a fresh walk and that every moved stamp was named."""
    before = dict(journal.files)
    named = journal.refresh()
    truth = walk(root)
    assert journal.files == truth
    moved = {path for path in before.keys() | truth.keys() if before.get(path) != truth.get(path)}
    assert moved <= named, moved - named
    return moved


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write(root / "Cargo.toml", "[workspace]\n")
    write(root / "app/src/main.rs", "fn main() {}\n")
    write(root / "app/src/deep/er/mod.rs", "pub fn f() {}\n")
    write(root / "lib/src/lib.rs", "pub fn g() {}\n")
    write(root / "lib/README.md", "not listed\n")
    for skipped in ("target/debug/build.rs", ".git/hooks/x.rs", "node_modules/m/x.rs", ".venv/lib/x.rs"):
        write(root / skipped, "// skipped\n")
    write(root / ".hidden/x.rs", "// listed: rust-analyzer loads hidden directories too\n")
    return root


@pytest.fixture
def journal(project: Path) -> Iterator[ChangeJournal]:
    journal = ChangeJournal(project, wanted)
    assert journal.watching, journal.reason
    yield journal
    journal.close()


def test_lists_what_the_walk_lists(journal: ChangeJournal, project: Path) -> None:
    assert journal.files == walk(project)
    assert sorted(Path(p).relative_to(project).as_posix() for p in journal.files) == [
        ".hidden/x.rs",
        "Cargo.toml",
        "app/src/deep/er/mod.rs",
        "app/src/main.rs",
        "lib/src/lib.rs",
    ]
    assert remote_file_system(str(project)) is None
    assert settle(journal, project) == set()


def test_file_changes_are_named(journal: ChangeJournal, project: Path) -> None:
    main, lib = project / "app/src/main.rs", project / "lib/src/lib.rs"
    main.write_text("fn main() { println!(); }\n")
    (project / "app/src/new.rs").write_text("// new\n")
    lib.unlink()
    assert settle(journal, project) == {str(main), str(project / "app/src/new.rs"), str(lib)}
    # renamed to another listed name, to an unlisted one, and an editor's atomic save
    (project / "app/src/new.rs").rename(project / "app/src/renamed.rs")
    (project / "app/src/deep/er/mod.rs").rename(project / "app/src/deep/er/mod.rs.bak")
    write(project / "app/src/.main.rs.swp", "fn main() { saved(); }\n").rename(main)
    moved = settle(journal, project)
    assert str(project / "app/src/deep/er/mod.rs") in moved and str(main) in moved
    assert str(project / "app/src/renamed.rs") in journal.files
    # a rewrite of the same size inside one clock tick keeps the stamp: the event still names it
    stamp = os.stat(main)
    main.write_text(main.read_text().replace("saved", "SAVED"))
    os.utime(main, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert settle(journal, project) == set()
    assert str(main) in journal.touched
    assert journal.refresh() == set() and journal.touched == set()


def test_directories_made_removed_and_moved(journal: ChangeJournal, project: Path, tmp_path: Path) -> None:
    made = write(project / "made/a/b/c.rs", "// made before the journal looked\n")
    assert settle(journal, project) == {str(made)}
    write(project / "made/a/b/d.rs", "// inside a directory the journal found itself\n")
    assert settle(journal, project) == {str(project / "made/a/b/d.rs")}
    # moved within the tree: the old names go, the new ones come, and the moved watches keep working
    (project / "made").rename(project / "lib/moved")
    assert len(settle(journal, project)) == 4
    write(project / "lib/moved/a/b/c.rs", "// edited after the move, longer than before\n")
    assert settle(journal, project) == {str(project / "lib/moved/a/b/c.rs")}
    # moved out of the tree (and edited there), into a skipped name, and removed
    (project / "lib/moved").rename(tmp_path / "outside")
    write(tmp_path / "outside/a/b/c.rs", "// edited outside\n")
    (project / "app/src/deep").rename(project / "app/src/node_modules")
    shutil.rmtree(project / "lib/src")
    assert len(settle(journal, project)) == 4
    # moved back in from outside, and a directory replaced by one of the same name
    (tmp_path / "outside").rename(project / "back")
    shutil.rmtree(project / "app/src")
    write(project / "app/src/main.rs", "fn main() { again(); }\n")
    assert len(settle(journal, project)) == 3
    assert settle(journal, project) == set()


def test_links_are_rechecked(journal: ChangeJournal, project: Path, tmp_path: Path) -> None:
    outside = write(tmp_path / "elsewhere/target.rs", "// outside\n")
    linked = project / "app/src/linked.rs"
    linked.symlink_to(outside)
    hard = project / "app/src/hard.rs"
    os.link(write(tmp_path / "elsewhere/hard.rs", "// one inode, two names\n"), hard)
    dangling = project / "app/src/dangling.rs"
    dangling.symlink_to(tmp_path / "elsewhere/later.rs")
    assert settle(journal, project) == {str(linked), str(hard)}
    # edits made through names no watch sees, and a link's target appearing
    outside.write_text("// outside, edited\n")
    (tmp_path / "elsewhere/hard.rs").write_text("// edited through the other name\n")
    write(tmp_path / "elsewhere/later.rs", "// the target appears\n")
    assert settle(journal, project) == {str(linked), str(hard), str(dangling)}


def test_lost_events_and_a_replaced_root_start_afresh(journal: ChangeJournal, project: Path) -> None:
    limit = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    main, lib = project / "app/src/main.rs", project / "lib/src/lib.rs"
    for tick in range(limit // 2 + 10):  # alternating, so the kernel cannot merge them
        os.utime(main, ns=(tick, tick))
        os.utime(lib, ns=(tick, tick))
    write(project / "late/new.rs", "// after the overflow\n")
    settle(journal, project)
    assert journal.fresh_starts == 1 and journal.watching
    project.rename(project.with_name("old-project"))
    write(project / "Cargo.toml", "[package]\n")
    settle(journal, project)
    assert journal.fresh_starts == 2 and list(journal.files) == [str(project / "Cargo.toml")]
    write(project / "src/lib.rs", "// watched in the new root\n")
    assert settle(journal, project) == {str(project / "src/lib.rs")}


def test_walks_when_it_cannot_watch(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    walking = ChangeJournal(project, wanted, use_inotify=False)
    assert not walking.watching
    write(project / "app/src/main.rs", "fn main() { walked(); }\n")
    assert settle(walking, project) == {str(project / "app/src/main.rs")}
    # a directory on a file system that raises no event for others' changes: the journal walks
    watching = ChangeJournal(project, wanted)
    shared = str(project / "lib/shared")
    monkeypatch.setattr(
        "ra_mcp.workspace.change_journal.remote_file_system", lambda path: "NFS" if path == shared else None
    )
    write(project / "lib/shared/x.rs", "// on the share\n")
    assert settle(watching, project) == {str(project / "lib/shared/x.rs")}
    assert not watching.watching and "NFS" in watching.reason
    write(project / "lib/shared/x.rs", "// changed by another machine\n")
    assert settle(watching, project) == {str(project / "lib/shared/x.rs")}


def test_concurrent_callers_share_one_run() -> None:
    runs: list[int] = []

    async def job() -> int:
        runs.append(len(runs))
        await asyncio.sleep(0.01)
        return len(runs)

    async def main() -> list[int | None]:
        shared = FreshRuns()
        first = asyncio.create_task(shared.run(job))
        await asyncio.sleep(0)  # the first run is under way: the next five arrive during it
        rest = [asyncio.create_task(shared.run(job)) for _ in range(5)]
        results = [await first, *[await task for task in rest]]
        results.append(await shared.run(job))  # arrives after both: runs again
        return results

    results = asyncio.run(main())
    assert runs == [0, 1, 2] and results == [1, 2, None, None, None, None, 3]


def inotify_watches() -> int:
    """Watches this process holds, over all its inotify instances (read from /proc/self/fdinfo)."""
    count = 0
    for entry in os.scandir("/proc/self/fdinfo"):
        with contextlib.suppress(OSError):
            count += sum(line.startswith("inotify wd:") for line in Path(entry.path).read_text().splitlines())
    return count


def test_a_tree_of_many_directories_walks_instead_of_taking_the_users_watches(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Red team: the watches come from the user's own limit (fs.inotify.max_user_watches), shared
    with every program of the user; a workspace of more directories than MAX_WATCHES must not take
    them all (other sessions' journals, editors and rust-analyzer would be left without)."""
    assert change_journal.MAX_WATCHES <= 16_384  # the kernel's default limit is 8,192 to 1,048,576
    monkeypatch.setattr(change_journal, "MAX_WATCHES", 64)  # the same path, with fewer directories made
    before = inotify_watches()
    for index in range(change_journal.MAX_WATCHES + 10):
        (project / "many" / f"d{index}").mkdir(parents=True)
    journal = ChangeJournal(project, wanted)
    try:
        assert not journal.watching and str(change_journal.MAX_WATCHES) in journal.reason
        assert inotify_watches() == before  # none kept
        write(project / "many/d7/x.rs", "// still seen: walked\n")
        assert settle(journal, project) == {str(project / "many/d7/x.rs")}
    finally:
        journal.close()


async def loop_turns() -> None:
    """Two turns of the event loop: the first polls the descriptors (hearing the event), the second
    runs what woke after it, as a request read after a change is handled (inotify.Hearing)."""
    for _ in range(2):
        await asyncio.sleep(0)


@pytest.mark.anyio
async def test_vouched_only_while_nothing_can_have_changed(tmp_path: Path) -> None:
    """A warm call skips the re-sync while the journal vouches for the tree (pool.vouched): no event
    heard since the last refresh, no link to re-check, the root still the one watched (here replaced
    by renaming its parent, which raises no event)."""
    root = write(tmp_path / "outer/project/src/lib.rs", "pub fn f() {}\n").parent.parent
    journal = ChangeJournal(root, wanted)  # made while the loop runs: it listens for the next event
    await loop_turns()
    assert vouched(journal)
    write(root / "src/lib.rs", "pub fn f() { edited(); }\n")
    await loop_turns()
    assert journal.hearing.heard and not vouched(journal)
    assert settle(journal, root) == {str(root / "src/lib.rs")}
    assert vouched(journal)
    (tmp_path / "outer").rename(tmp_path / "moved")
    write(root / "src/lib.rs", "// a new tree at the same path\n")
    await loop_turns()
    assert not journal.hearing.heard and not vouched(journal)  # nothing heard: the root's identity tells
    settle(journal, root)
    await loop_turns()
    assert vouched(journal)
    (root / "src/linked.rs").symlink_to(tmp_path / "moved/project/src/lib.rs")
    settle(journal, root)
    assert journal.unwatched and not vouched(journal)  # a link is re-stat'ed on every refresh
    journal.close()
    assert not vouched(journal) and not vouched(ChangeJournal(root, wanted, use_inotify=False))


def test_without_a_running_loop_nothing_is_vouched_for(tmp_path: Path) -> None:
    root = write(tmp_path / "project/src/lib.rs", "pub fn f() {}\n").parent.parent
    journal = ChangeJournal(root, wanted)
    assert journal.watching and not vouched(journal)
    settle(journal, root)
    assert not vouched(journal)
    journal.close()
