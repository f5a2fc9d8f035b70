"""The inotify watches every change journal of this process holds, together. A journal holds at most
change_journal.MAX_WATCHES, but a workspace has one journal for its root and one for each tree
outside it (outside_trees.py: up to 8), and the engine runs several workspaces: project code that
plants 16,000 folders in each of 8 path dependencies took 147,000 of the user's 192,540 watches
(fs.inotify.max_user_watches, shared with every program of the user). Past MAX_WATCHES_HELD in all,
a journal walks its tree instead, as one over its own limit does; at a later refresh, once half of the
budget is free again (another session's greedy tree closed), it watches again (may_watch_again)."""

from __future__ import annotations

import threading
import weakref
from typing import Protocol

MAX_WATCHES_HELD = 32_768


class Watching(Protocol):
    directories: dict[int, str]


_LOCK = threading.Lock()  # journals are made and refreshed on worker threads
_WATCHING: weakref.WeakSet[Watching] = weakref.WeakSet()


def holding(journal: Watching) -> None:
    """`journal` has an inotify instance: its watches count from now on."""
    with _LOCK:
        _WATCHING.add(journal)


def released(journal: Watching) -> None:
    """`journal` closed its instance (the kernel dropped its watches)."""
    with _LOCK:
        _WATCHING.discard(journal)


def held() -> int:
    """The watches all journals of this process hold now."""
    with _LOCK:
        journals = list(_WATCHING)
    return sum(len(journal.directories) for journal in journals)


def spent() -> str:
    """Why a journal walks when the budget is spent."""
    return f"this process's journals hold {MAX_WATCHES_HELD} inotify watches"


def may_watch_again(reason: str) -> bool:
    """Whether a journal that walks for `reason` may watch again now: it stopped for the budget, and
    half of the budget is free (a journal blind for it stayed blind for good, the greedy tree closed)."""
    return reason == spent() and held() < MAX_WATCHES_HELD // 2
