"""Directories linked into a workspace's tree (`src/shared -> ../../shared`), whose files rust-analyzer
loads under the link's name (its loader follows links) and hears of only from us (files.watcher is
"client"). The change journal's walk never enters a link, and an edit behind one raises no event
for the watched tree: so the files under each link whose target lies inside the allowed roots are
listed again, by their names through the link, on every refresh (the journal then never vouches
for the tree without one). A link to a folder around itself (a loop, which rust-analyzer skips
too) or leading outside the allowed roots is not followed: this process lists no directory the
project merely names. Each refresh lists at most MAX_LINKED_DIRECTORIES directories and
MAX_LINKED_ENTRIES names behind links (a folder of 200,000 empty files, linked 16 times, cost 1.9 s a
refresh) and keeps MAX_LINKED_FILES files; a larger linked tree is listed only so far. A journal with
links is refreshed off the event loop (journal_walks.refreshed)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from rust_mcp.core.file_stamps import FileStamp
from rust_mcp.core.project_files import walk_without_links

MAX_LINKS = 16
MAX_LINKED_FILES = 20_000
MAX_LINKED_DIRECTORIES = 2_000
MAX_LINKED_ENTRIES = 100_000  # names looked at (of files of any name), per refresh


class _Enough(Exception):
    """More directories behind links than one refresh lists."""


class LinkedDirectories:
    """The linked directories found in a tree (`note`), and the wanted files under them (`files`,
    by their paths through the link), listed anew by `walk`."""

    def __init__(
        self, within: Sequence[Path], entered: Callable[[str], bool], wanted: Callable[[str], bool]
    ) -> None:
        self.within = tuple(within)
        self.entered = entered
        self.wanted = wanted
        self.links: set[str] = set()
        self.files: dict[str, FileStamp] = {}

    def note(self, path: str) -> None:
        """A link the journal met (a file's name, or an event's): followed when it leads to a directory."""
        if self.within and len(self.links) < MAX_LINKS:
            self.links.add(path)

    def walk(self) -> dict[str, FileStamp]:
        """The wanted files under every noted link as they are now (links gone or no longer leading
        to a directory inside the roots are dropped)."""
        found: dict[str, FileStamp] = {}
        listed = looked_at = 0

        def entering(_: str) -> None:
            nonlocal listed
            listed += 1
            if listed > MAX_LINKED_DIRECTORIES or len(found) >= MAX_LINKED_FILES:
                raise _Enough

        def wanted(name: str) -> bool:
            nonlocal looked_at
            looked_at += 1
            if looked_at > MAX_LINKED_ENTRIES:
                raise _Enough
            return self.wanted(name)

        try:
            for link in sorted(self.links):
                target = self._target(link)
                if target is None:
                    self.links.discard(link)
                    continue
                for entry in walk_without_links(Path(target), self.entered, wanted, entering):
                    if len(found) >= MAX_LINKED_FILES:
                        raise _Enough
                    try:
                        info = os.stat(entry.path)
                    except OSError:
                        continue
                    shown = link + entry.path[len(target) :]
                    found[shown] = FileStamp(info.st_ino, info.st_mtime_ns, info.st_size)
        except _Enough:
            pass  # the rest is not listed: a tree that large is not one rust-analyzer should be told of
        self.files = found
        return found

    def relist(self, files: dict[str, FileStamp]) -> set[str]:
        """Put the linked files as they are now into a journal's `files`; the paths whose stamps may
        differ from before."""
        before = self.files
        now = self.walk()
        for path in before.keys() - now.keys():
            files.pop(path, None)
        files.update(now)
        return {path for path in before.keys() | now.keys() if before.get(path) != now.get(path)}

    def _target(self, link: str) -> str | None:
        """Where `link` leads, when it is still a link to a directory inside the roots, not around it."""
        try:
            if not os.path.islink(link):
                return None
            target = os.path.realpath(link, strict=True)
        except (OSError, ValueError):  # dangling, a loop, a NUL byte
            return None
        if not os.path.isdir(target) or link == target or link.startswith(target + os.sep):
            return None
        if not any(Path(target).is_relative_to(place) for place in self.within):
            return None
        return target
