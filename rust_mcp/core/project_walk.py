"""The one directory walk of the door (project_files.py re-exports it): a tree listed without
following a link, each subdirectory opened (O_NOFOLLOW) from the descriptor of the directory that
listed it. A walk that must see every file a build could read (tree_state.py) or every socket a
sandbox could reach (unix_sockets.py) is told which directories it could not list: deeper than
MAX_WALK_DEPTH, swapped or gone since listed, or unreadable though searchable (a path through it
still opens, for cargo and for project code)."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

from .safe_io import LinkOnTheWay, open_without_links

LIST_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
MAX_WALK_DEPTH = 128  # directories below a walk's root; each level holds one descriptor while walked


@dataclass(frozen=True)
class WalkedFile:
    """A file the project walk found: its path, its name, whether the name is a link, and whether
    it is special (neither a regular file nor a link: a socket, a FIFO, a device), from the listing."""

    path: str
    name: str
    linked: bool
    special: bool = False

    def is_symlink(self) -> bool:
        return self.linked

    def stat(self) -> os.stat_result:
        """Its metadata, a link followed (as os.DirEntry.stat does); nothing is opened."""
        return os.stat(self.path)


def open_listing(directory: Path) -> int:
    """`directory`, reached without a link on the way, opened for listing (the caller closes it)."""
    reached = open_without_links(directory)
    try:
        return os.open(".", LIST_FLAGS, dir_fd=reached)
    finally:
        os.close(reached)


def _listed(
    listing: int, directory: str, enter: Callable[[str], bool], wanted: Callable[[str], bool]
) -> tuple[list[WalkedFile], list[str]]:
    """The wanted files of an opened directory, and the names of the subdirectories to enter."""
    files: list[WalkedFile] = []
    subdirectories: list[str] = []
    with os.scandir(listing) as entries:
        for entry in entries:
            try:
                is_directory = entry.is_dir(follow_symlinks=False)
                linked = entry.is_symlink()
            except OSError:  # unreadable (permissions): skipped like an unreadable directory
                continue
            if is_directory:
                if enter(entry.name):
                    subdirectories.append(entry.name)
            elif wanted(entry.name):
                special = not linked and not entry.is_file(follow_symlinks=False)
                files.append(WalkedFile(os.path.join(directory, entry.name), entry.name, linked, special))
    return files, subdirectories


def walk_without_links(
    root: Path,
    enter: Callable[[str], bool],
    wanted: Callable[[str], bool],
    entering: Callable[[str], None] | None = None,
    unlisted: Callable[[str], None] | None = None,
) -> Generator[WalkedFile, None, None]:
    """Files under `root` whose name passes `wanted`, in directories whose names pass `enter`. `root`
    is reached component by component without links, and each subdirectory is opened (O_NOFOLLOW)
    from the descriptor of the directory that listed it, so a directory swapped for a link is
    skipped, never listed through; a link is never entered. At most MAX_WALK_DEPTH directories deep
    (one descriptor per level). `entering` is called with each directory's path before it is listed;
    `unlisted` with each one to enter that was not listed (too deep, gone, swapped for a link, or
    unreadable though a path through it opens: what project code could still reach)."""
    missed = unlisted or _ignored
    top = str(root)
    if entering is not None:
        entering(top)
    try:
        listing = open_listing(root)
    except (OSError, LinkOnTheWay):  # gone, unreadable, or a link: nothing to list
        missed(top)
        return
    stack: list[tuple[int, str, Iterator[str]]] = []
    try:
        try:
            files, subdirectories = _listed(listing, top, enter, wanted)
        finally:
            stack.append((listing, top, iter([])))
        stack[-1] = (listing, top, iter(subdirectories))
        yield from files
        while stack:
            parent, path, pending = stack[-1]
            name = next(pending, None)
            if name is None:
                os.close(stack.pop()[0])
                continue
            directory = os.path.join(path, name)
            if len(stack) >= MAX_WALK_DEPTH:
                missed(directory)
                continue
            if entering is not None:
                entering(directory)
            try:
                listing = os.open(name, LIST_FLAGS | os.O_NOFOLLOW, dir_fd=parent)
            except OSError as error:  # gone, unreadable, or swapped for a link since it was listed
                if error.errno != errno.EACCES or _searchable(parent, name):
                    missed(directory)
                continue
            stack.append((listing, directory, iter([])))
            try:
                files, subdirectories = _listed(listing, directory, enter, wanted)
            except OSError:
                missed(directory)
                continue
            stack[-1] = (listing, directory, iter(subdirectories))
            yield from files
    finally:
        for descriptor, _, _ in stack:
            os.close(descriptor)


def _ignored(_: str) -> None:
    pass


def _searchable(parent: int, name: str) -> bool:
    """Whether a path through the directory `name` of `parent` resolves (it may be searched, though
    not listed), nothing opened but path descriptors."""
    try:
        directory = os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=parent)
    except OSError:
        return False
    try:
        os.close(os.open(".", os.O_PATH | os.O_CLOEXEC, dir_fd=directory))
        return True
    except OSError:
        return False
    finally:
        os.close(directory)
