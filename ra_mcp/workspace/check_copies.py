"""Keeping rust-analyzer's own cargo check for cargo_check (rust_mcp/core/analyzer_checks.py): the
private directory its tee writes to (flycheck_tee.py), what rust-analyzer's environment says about
it, and, each time rust-analyzer reports its check ended, the copy read and kept for the state of
the files it checked."""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from rust_mcp.core import analyzer_checks
from rust_mcp.core.analyzer_checks import CheckSetting
from rust_mcp.core.project_files import off_loop, remove_empty_directory
from rust_mcp.core.tree_state import tree_state

log = logging.getLogger(__name__)
TEE = Path(__file__).with_name("flycheck_tee.sh")  # rust-analyzer's CARGO: dash, then cargo or the tee
TEE_SCRIPT = TEE.with_suffix(".py")  # the tee itself, for rust-analyzer's check only
TEE_PYTHON = "/usr/bin/python3"  # the tee's interpreter: inside the sandbox's /usr
REAL_CARGO_ENV = "RUST_MCP_REAL_CARGO"
COPIES_ENV = "RUST_MCP_CHECK_COPIES"
PREFIX = "rust-mcp-checks-"


def tee_usable() -> bool:
    return TEE.is_file() and TEE_SCRIPT.is_file() and Path(TEE_PYTHON).is_file() and Path("/bin/sh").exists()


def private_directory() -> Path:
    """A new directory only this user can enter (0700, a name nobody can guess), for one
    rust-analyzer's copies; outside every project and every other sandbox."""
    return Path(tempfile.mkdtemp(prefix=PREFIX))


def tee_environment(cargo: Path, directory: Path) -> dict[str, str]:
    """rust-analyzer's environment for the tee: it runs cargo through it."""
    return {"CARGO": str(TEE), REAL_CARGO_ENV: str(cargo), COPIES_ENV: str(directory)}


class CheckCopies:
    """One rust-analyzer's copies: told when its check begins and ends (AnalyzerState's hook)."""

    def __init__(
        self, root: Path, directory: Path, cargo: str, sandboxed: bool, within: Sequence[Path] = ()
    ) -> None:
        self.directory = directory
        self.within = tuple(within)  # the allowed roots, as cargo_check's state walks them
        roots = tuple(str(path) for path in self.within)
        self.setting = CheckSetting(str(root), cargo, sandboxed=sandboxed, roots=roots)
        self.begun_ns = 0
        self.ends_ns = (0, 0)  # when the last two checks' ends were seen (wall clock)
        self.kept = 0  # checks kept so far (for status and tests)
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def for_command(
        cls, root: Path, env: Mapping[str, str], sandboxed: bool, within: Sequence[Path] = ()
    ) -> CheckCopies | None:
        directory, cargo = env.get(COPIES_ENV), env.get(REAL_CARGO_ENV)
        if not directory or not cargo or env.get("CARGO") != str(TEE):
            return None
        return cls(root, Path(directory), cargo, sandboxed, within)

    def event(self, kind: str) -> None:
        """rust-analyzer reported its check `kind` ("begin" or "end")."""
        if kind == "begin":  # the check kept before stands while the files are as it saw them
            self.begun_ns = time.time_ns()
        elif kind == "end":
            ended = time.time_ns()
            self.ends_ns = (self.ends_ns[1], ended)
            task = asyncio.get_running_loop().create_task(self._keep(self.begun_ns, ended), name="keep check")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def ran_to_end(self) -> bool:
        """Whether the last check rust-analyzer reported ended ran to its end (cargo exited), rather
        than being cancelled (its restart, or a stop): the tee's `done` was written after the end
        before it was seen (a cancelled check writes none). Blocking: reads `done`."""
        finished = analyzer_checks.finished_at(self.directory)
        return finished is not None and finished > self.ends_ns[0]

    async def _keep(self, begun_ns: int, ended_ns: int) -> None:
        try:
            await off_loop(self._keep_now, begun_ns, ended_ns, what="keeping rust-analyzer's check")
        except Exception as exc:  # a copy not kept only costs a later cargo_check its run
            log.debug("rust-analyzer's check not kept: %s", exc)

    def _keep_now(self, begun_ns: int, ended_ns: int) -> None:
        copy = analyzer_checks.read_copy(self.directory)
        if copy is None:
            log.debug("no finished copy of rust-analyzer's check in %s", self.directory)
            return
        newest = [0]
        state = tree_state(Path(self.setting.workspace_root), self.within, True, newest)
        if not analyzer_checks.counts_for(copy, begun_ns, ended_ns, newest[0]):
            log.debug(
                "rust-analyzer's check not kept: started %d, begun %d, ended %d, newest change %d",
                copy.started_ns,
                begun_ns,
                ended_ns,
                newest[0],
            )
        elif analyzer_checks.keep(copy, self.setting, state) is not None:
            self.kept += 1
        else:
            log.debug("rust-analyzer's check not kept: argv %s in %s", copy.argv, copy.cwd)

    def closing(self) -> None:
        """rust-analyzer exited: its kept check and its directory go too, now (a task might never
        run: the server may be on its way out). A few files, removed through the door."""
        kept = analyzer_checks.FINISHED.get(self.setting.workspace_root)
        if kept is not None and kept.setting == self.setting:
            analyzer_checks.forget(self.setting.workspace_root)
        analyzer_checks.clear_directory(self.directory)
        remove_empty_directory(self.directory)
