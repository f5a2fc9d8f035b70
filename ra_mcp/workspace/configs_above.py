"""Cargo's configuration files in the folders above a workspace root, for the root's change journal.
Cargo reads `.cargo/config.toml` (or the older `.cargo/config`) in the folder it runs in and in every
folder above it, and rust-analyzer runs cargo in the root: their `[build] rustflags` and `[env]` decide
the cfgs and environment it analyses with, and it reloads when told one changed. Inside the root the
journal's walk finds them; above it, this watches the folders between the root and the allowed root
holding it (above the allowed roots the configuration is the operator's, which reaches a sandbox only
filtered): each folder for a `.cargo` folder coming or going, each `.cargo` folder there for its files.
The two names are stamped without following a link (open_without_links: a link, a FIFO or anything but
a regular file is not stamped, so rust-analyzer is not told of it); nothing is read."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from rust_mcp.core.file_stamps import FileStamp
from rust_mcp.core.project_files import regular_file_stamp

from .inotify import (
    ENTRY_CHANGES,
    IN_ATTRIB,
    IN_DONT_FOLLOW,
    IN_EXCL_UNLINK,
    IN_IGNORED,
    IN_ONLYDIR,
    LIBC,
    WATCH_MASK,
    WRITTEN,
)

CONFIG_NAMES = ("config.toml", "config")  # cargo reads the older name when both are there
CARGO_FOLDER = ".cargo"
# a folder above the root: its entries coming and going (a `.cargo` folder made, removed, renamed)
PLACE_MASK = ENTRY_CHANGES | IN_ATTRIB | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK


class ConfigsAbove:
    """The configuration files cargo reads above `root` inside `within` (`paths`), their stamps as they
    are now (`stamps`), and the inotify watches that tell when one may have changed (`heard`)."""

    def __init__(self, root: str, within: Sequence[Path]) -> None:
        self.places = [
            str(folder) for folder in Path(root).parents if any(folder.is_relative_to(top) for top in within)
        ]
        self.paths = [
            os.path.join(place, CARGO_FOLDER, name) for place in self.places for name in CONFIG_NAMES
        ]
        self.watches: dict[int, str] = {}  # watch descriptor -> a place, or its `.cargo` folder

    def watch(self, fd: int) -> None:
        """Watch the places and their `.cargo` folders on the journal's (new) inotify descriptor, before
        they are stamped (a change after the stamp is an event)."""
        self.watches = {}
        for place in self.places:
            self._add(fd, place, PLACE_MASK)
            self._add(fd, os.path.join(place, CARGO_FOLDER), WATCH_MASK)

    def stamps(self) -> dict[str, FileStamp]:
        return {path: stamp for path in self.paths if (stamp := regular_file_stamp(Path(path))) is not None}

    def heard(
        self, fd: int, event: tuple[int, int, str], files: dict[str, FileStamp], touched: set[str]
    ) -> set[str]:
        """Apply one event on a watch of this (`event[0]` in `watches`) to a journal's `files` (and its
        `touched`, for a file written): the configuration paths whose stamps may have changed."""
        wd, mask, name = event
        folder = self.watches.get(wd, "")
        if mask & IN_IGNORED:
            self.watches.pop(wd, None)
            return set()
        if os.path.basename(folder) == CARGO_FOLDER:
            if name not in CONFIG_NAMES:
                return set()
            if mask & WRITTEN:
                touched.add(os.path.join(folder, name))
        elif name == CARGO_FOLDER:  # a `.cargo` folder come (watched from now on) or gone
            self._add(fd, os.path.join(folder, CARGO_FOLDER), WATCH_MASK)
        else:
            return set()
        return self.restamped(files)

    def restamped(self, files: dict[str, FileStamp]) -> set[str]:
        """Put the stamps as they are now into `files`; the paths whose stamps changed."""
        now = self.stamps()
        changed = {path for path in self.paths if files.get(path) != now.get(path)}
        for path in self.paths:
            files.pop(path, None)
        files.update(now)
        return changed

    def _add(self, fd: int, folder: str, mask: int) -> None:
        if LIBC is None:
            return
        wd = LIBC.inotify_add_watch(fd, os.fsencode(folder), mask)
        if wd >= 0:  # absent, a link (IN_DONT_FOLLOW with IN_ONLYDIR), unreadable: not watched
            self.watches[wd] = folder
