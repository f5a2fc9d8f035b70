"""What a cargo call's diagnostics are ranked by, after errors: the package it asked for and the files
changed just before the first page was asked for. The moment "just" is measured from is kept per
command line, so the later pages of the same question (`offset`) come from the same ranking while
the code is unchanged, however long the caller takes to ask for them."""

from __future__ import annotations

import time
from collections import OrderedDict
from pathlib import Path

from rust_mcp.core.cargo_projects import package_directories
from rust_mcp.core.compiler_messages import Focus

RECENT_CHANGE_SECONDS = 15 * 60  # a file changed this recently is taken for the agent's own edit
REMEMBERED_QUESTIONS = 64  # command lines whose ranking moment is kept for their later pages


class RankingMoments:
    """When each recent question's first page was ranked, by command line (oldest forgotten first)."""

    def __init__(self, size: int = REMEMBERED_QUESTIONS) -> None:
        self._size = size
        self._moments: OrderedDict[tuple[str, ...], float] = OrderedDict()

    def moment(self, argv: list[str], offset: int) -> float:
        """Now, for a first page; for a later one, the moment its first page was ranked (now when
        that is no longer known, e.g. after a restart)."""
        key = tuple(argv)
        known = self._moments.get(key)
        moment = known if offset > 0 and known is not None else time.time()
        self._moments[key] = moment
        self._moments.move_to_end(key)
        while len(self._moments) > self._size:
            self._moments.popitem(last=False)
        return moment


def call_focus(argv: list[str], manifest: Path, workspace_root: Path, moment: float) -> Focus:
    """The package the call asked for (`--package`, or the member whose directory `path` named) and
    the files changed in the RECENT_CHANGE_SECONDS before `moment`: their diagnostics rank right
    after the errors."""
    directories: list[Path] = []
    if "--package" in argv[:-1]:
        name = argv[argv.index("--package") + 1].rsplit("#", 1)[-1].split("@", 1)[0]  # a path spec too
        found = package_directories(workspace_root).get(name)
        directories += [found] if found is not None else []
    elif manifest.parent != workspace_root:
        directories.append(manifest.parent)
    return Focus(tuple(directories), changed_after=moment - RECENT_CHANGE_SECONDS)
