"""Which project files changed on disk since the last call, without walking the tree each time.

On Linux every directory the project walk enters gets an inotify watch. The kernel queues an event
inside the writer's own `write`, `close`, `rename`, `unlink` or `mkdir`, so a change finished before
a call is in the queue when the call drains it (one non-blocking `read`): a call then re-stats only
the paths named by events instead of every file. The view it keeps is exactly what the walk
(`walk_without_links`) would find, stamped the same way, in the directories rust-analyzer loads
(cargo_projects.analyzer_walks_into: hidden ones too, as a `#[path = ".gen/m.rs"]` module or a path
dependency in `.vendor/` is loaded from them; build output, VCS data and other tools' folders skipped),
with a workspace root's cargo configuration files above it (configs_above.py). A call with nothing
heard does not even read the queue: the event loop hears the kernel's next event (inotify.Hearing),
and pool.vouched skips the refresh while none came. A refresh that walks runs on a worker thread
(journal_walks.py, which reads the queue first to tell).

What events cannot show is covered by re-checking or re-walking:
- a file reached through a symbolic link, or with other hard links, can change through a name that
  no watch sees: such files are re-stat'ed on every refresh (they are few), and the files under a
  directory linked into the tree are listed again (linked_directories.py);
- a new directory is watched first and then walked, so a file created before its watch is found;
- a lost event (`IN_Q_OVERFLOW`), the root replaced, or any error starts afresh with a full walk;
- no inotify, more than MAX_WATCHES directories (a tree must not take the user's whole watch limit),
  or a directory on a network or FUSE file system: the journal walks on every refresh.
Not covered (as no walk of mtimes would be either): writes through a memory mapping, and a hard link
made outside the tree after the file was first seen.
"""

from __future__ import annotations

import ctypes
import errno
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from rust_mcp.core.cargo_projects import analyzer_walks_into as entered
from rust_mcp.core.file_stamps import FileStamp, stamp_of
from rust_mcp.core.project_files import walk_without_links

from . import watch_budget
from .configs_above import ConfigsAbove
from .inotify import (
    DIRECTORY_GONE,
    DIRECTORY_NEW,
    IN_ATTRIB,
    IN_DELETE_SELF,
    IN_IGNORED,
    IN_ISDIR,
    IN_MOVE_SELF,
    LIBC,
    WATCH_MASK,
    WRITTEN,
    Hearing,
    Pending,
    identity,
    remote_file_system,
)
from .linked_directories import LinkedDirectories

# watches one journal holds at most: they come from the user's own limit (fs.inotify.max_user_watches,
# shared with every program of the user), so a tree of more directories walks instead
MAX_WATCHES = 16_384


class _Blind(Exception):
    """The journal cannot see every change from here on: it falls back to walking."""


class ChangeJournal:
    """The project files under `root` whose names pass `wanted`, with their stamps (`files`), kept
    current by `refresh`, which says which paths may have changed."""

    def __init__(
        self,
        root: Path,
        wanted: Callable[[str], bool],
        *,
        use_inotify: bool = True,
        within: Sequence[Path] = (),
        configs_above: bool = False,
    ) -> None:
        self.root = str(root)
        self.wanted = wanted
        self.above = ConfigsAbove(self.root, within if configs_above else ())  # a workspace root's
        # directories linked into the tree that lead inside `within`: their files listed on every refresh
        self.linked = LinkedDirectories(within, entered, wanted)
        self.files: dict[str, FileStamp] = {}
        self.unwatched: set[str] = set()  # re-stat'ed on every refresh (links)
        self.touched: set[str] = set()  # files written since the refresh before (events name them)
        self.fresh_starts = 0  # full walks after lost events or a replaced root
        self.fd: int | None = None
        self.hearing = Hearing()  # `heard`: `refresh` may find something (an event, or a link to re-stat)
        self.pending = Pending()  # events read (to tell whether the refresh walks), not yet applied
        self.directories: dict[int, str] = {}  # watch descriptor -> directory
        self.root_identity: tuple[int, int] | None = None
        self.reason = "inotify is off"  # why the journal walks, while it does
        if use_inotify and LIBC is not None:
            self._open()
        self._walk_all()
        self.linked.relist(self.files)
        self.listen()

    @property
    def watching(self) -> bool:
        return self.fd is not None

    def listen(self) -> None:
        """Have the running event loop hear the next event (`hearing`; none heard from a worker thread)."""
        self.hearing.listen(self.fd, can_tell=not self.unwatched and not self.linked.links)

    def refresh(self) -> set[str]:
        """Bring `files` up to date; the paths whose stamps may differ from before (a superset). Files
        an event says were written are also in `touched`: a rewrite within the file system's clock
        tick, keeping the size, leaves the stamp as it was."""
        self.touched = set()
        try:
            return self._refresh_tree() | self.linked.relist(self.files)
        finally:
            self.listen()  # in the tick that drained the queue: an event after the drain is heard

    def _refresh_tree(self) -> set[str]:
        if self.fd is None:
            return self._start_afresh() if watch_budget.may_watch_again(self.reason) else self._walk_all()
        try:
            self.pending.read(self.fd)
            pending, self.pending = self.pending, Pending()
            if pending.failure is not None:
                raise _Blind(pending.failure)
            if pending.lost or identity(self.root) != self.root_identity:
                return self._start_afresh()
            return self._apply(pending.events)
        except _Blind as blind:
            self._stop_watching(str(blind))
            return self._walk_all()

    def close(self) -> None:
        self._stop_watching("closed")

    def _open(self) -> None:
        assert LIBC is not None
        fd = LIBC.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if fd < 0:
            self.reason = f"no inotify instance: {os.strerror(ctypes.get_errno())}"
            return
        self.fd = fd
        self.directories = {}
        self.root_identity = identity(self.root)
        watch_budget.holding(self)

    def _stop_watching(self, reason: str) -> None:
        if self.fd is not None:
            self.hearing.stop()
            os.close(self.fd)
        watch_budget.released(self)
        self.fd = None
        self.directories = {}
        self.pending = Pending()
        self.reason = reason

    def _start_afresh(self) -> set[str]:
        self.fresh_starts += 1
        self._stop_watching("starting afresh")
        self._open()
        return self._walk_all()

    def _watch(self, directory: str) -> None:
        """Watch `directory` before the walk lists it (one gone or unreadable is left to the walk)."""
        assert LIBC is not None and self.fd is not None
        if (remote := remote_file_system(directory)) is not None:
            raise _Blind(f"{directory} is on a {remote} file system")
        if len(self.directories) >= MAX_WATCHES:
            raise _Blind(f"the tree has more than {MAX_WATCHES} directories")
        if watch_budget.held() >= watch_budget.MAX_WATCHES_HELD:  # all journals of this process
            raise _Blind(watch_budget.spent())
        wd = LIBC.inotify_add_watch(self.fd, os.fsencode(directory), WATCH_MASK)
        if wd >= 0:
            self.directories[wd] = directory
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOENT, errno.ENOTDIR, errno.EACCES):
            raise _Blind(f"cannot watch {directory}: {os.strerror(code)}")

    def _apply(self, events: list[tuple[int, int, str]]) -> set[str]:
        dirty = set(self.unwatched)
        above: set[str] = set()  # configuration files above the root, stamped by `self.above` alone
        gone: list[str] = []
        new: list[str] = []
        for wd, mask, name in events:
            if wd in self.above.watches:
                above |= self.above.heard(self.fd or -1, (wd, mask, name), self.files, self.touched)
                continue
            directory = self.directories.get(wd)
            if mask & IN_IGNORED:
                self.directories.pop(wd, None)
                continue
            if directory is None:  # a watch dropped below (moved away): its new place is walked anew
                continue
            if mask & (IN_DELETE_SELF | IN_MOVE_SELF):
                if directory == self.root:
                    return self._start_afresh()
                continue  # the parent's event says where it went
            path = os.path.join(directory, name)
            if mask & IN_ISDIR:
                if mask & DIRECTORY_GONE or (mask & IN_ATTRIB and entered(name)):
                    gone.append(path)
                if mask & DIRECTORY_NEW and entered(name):
                    new.append(path)
            elif self.wanted(name):
                dirty.add(path)
                if mask & WRITTEN:
                    self.touched.add(path)
            elif self.linked.within and os.path.islink(path):  # perhaps a directory linked in since
                self.linked.note(path)
        for path in dirty:
            self._restat(path)
        for path in gone:
            self._unwatch_under(path)
        for path in gone + new:  # what is under them now is what the walk below finds
            dirty |= self._forget_under(path)
        for path in new:
            found = self._walk(path)
            dirty |= found
            self.touched |= found
        return dirty | above

    def _forget_under(self, top: str) -> set[str]:
        dropped = _under(self.files, top)
        for path in dropped:
            del self.files[path]
        self.unwatched -= _under(self.unwatched, top)
        return dropped

    def _unwatch_under(self, top: str) -> None:
        assert LIBC is not None and self.fd is not None
        for wd in [wd for wd, directory in self.directories.items() if _inside(directory, top)]:
            del self.directories[wd]
            LIBC.inotify_rm_watch(self.fd, wd)  # fails harmlessly if the kernel dropped it already

    def _walk(self, top: str) -> set[str]:
        """Walk `top` as the project walk does (watching each directory first when watching), record
        what it finds, and return the paths found."""
        entering = self._watch if self.fd is not None else None
        found: set[str] = set()
        listed = (lambda _: True) if self.linked.within else self.wanted  # to meet links of any name
        for entry in walk_without_links(Path(top), entered, listed, entering):
            if not self.wanted(entry.name):
                if entry.linked:
                    self.linked.note(entry.path)
                continue
            found.add(entry.path)
            try:
                linked = entry.is_symlink()
                info = entry.stat()  # follows a link; for anything else the one lstat, cached
            except OSError:  # a dangling link (or gone already): not listed, but may come back
                self.unwatched.add(entry.path)
                continue
            if linked or info.st_nlink > 1:
                self.unwatched.add(entry.path)
            self.files[entry.path] = FileStamp(info.st_ino, info.st_mtime_ns, info.st_size)
        return found

    def _walk_all(self) -> set[str]:
        """A full walk; the paths whose stamps changed."""
        before = self.files
        self.files = {}
        self.unwatched = set()
        try:
            self._walk(self.root)
        except _Blind as blind:
            self._stop_watching(str(blind))
            self.files, self.unwatched = {}, set()
            self._walk(self.root)
        if self.fd is not None:
            self.above.watch(self.fd)
        self.files.update(self.above.stamps())
        return {
            path for path in before.keys() | self.files.keys() if before.get(path) != self.files.get(path)
        }

    def _restat(self, path: str) -> None:
        stamp, unwatched = stamp_of(path)
        if stamp is None:
            self.files.pop(path, None)
        else:
            self.files[path] = stamp
        (self.unwatched.add if unwatched else self.unwatched.discard)(path)


def _inside(path: str, top: str) -> bool:
    return path == top or path.startswith(top + os.sep)


def _under(files: Iterable[str], top: str) -> set[str]:
    prefix = top + os.sep
    return {path for path in files if path.startswith(prefix)}
