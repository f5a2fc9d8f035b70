"""What rust-analyzer has told us about itself, kept by the LSP client's notification handlers: its
health and status, the progress of its work (and from it, when its answers are right: its build
data applied), cargo check's runs and the diagnostics it pushed."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .proc_macro_watch import ProcMacroWatch

if TYPE_CHECKING:
    from lsprotocol import types as lsp

# rust-analyzer's progress titles for its build data (build scripts run, proc macros built; `Building
# build-artifacts` before 1.9x) and for the phases that apply it. Answers are right once these are
# over (docs/benchmarks.md, "Cold"); the VFS reload, cache priming and flycheck do not change them.
BUILD_DATA_TITLES = ("Building compile-time-deps", "Building build-artifacts")
APPLYING_TITLES = ("Building CrateGraph", "Roots Scanned", "Loading proc-macros")
FETCH_TITLE = "Fetching"  # `cargo metadata` again: a (re)load whose build data (or quiescence) is waited for
APPLIED_SETTLE_SECONDS = 0.5  # without a new applying phase, after which the build data counts as applied


@dataclass
class ProgressTask:
    title: str
    message: str = ""
    percentage: int | None = None
    done: bool = False


@dataclass
class AnalyzerState:
    """What rust-analyzer has told us about itself; written by notification handlers."""

    health: str = "starting"
    quiescent: bool = False
    left_quiescence: int = 0  # times it went from quiescent to busy (a reload told of has begun)
    status_message: str | None = None
    progress: dict[str, ProgressTask] = field(default_factory=dict)
    pushed: dict[str, list[lsp.Diagnostic]] = field(default_factory=dict)
    flycheck_begun: int = 0
    flycheck_ended: int = 0
    flycheck_moved: float = 0.0  # time.monotonic() of the last flycheck begin or end
    flycheck_waiting: int = 0  # calls waiting for a check's results now (it is not cancelled then)
    flycheck_cancelled: int = 0  # checks cancelled for running past the limit with no one waiting
    published: float = 0.0  # time.monotonic() of the last publishDiagnostics
    last_panic: str | None = None  # the last request rust-analyzer panicked on
    empty_rechecks: int = 0  # early empty answers asked again once quiescent (see lsp.request)
    build_data_ended: bool = False  # the build data phase has ended, and no new one has begun
    applying: set[str] = field(default_factory=set)  # tokens of the phases applying it, running
    applied_since: float | None = None  # time.monotonic() since when nothing applies it any more
    messages: deque[str] = field(default_factory=lambda: deque(maxlen=50))
    proc_macros: ProcMacroWatch = field(default_factory=ProcMacroWatch)  # what its proc-macro server runs
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    flycheck_began: asyncio.Event = field(default_factory=asyncio.Event)  # set at each check's begin
    on_flycheck: Callable[[str], None] | None = None  # told "begin" and "end" of each check (check_copies)
    # whether the last check that ended ran to its end, not cancelled (check_copies; blocking), if known
    ran_to_end: Callable[[], bool] | None = None

    def touch(self) -> None:
        self.changed.set()

    def status_event(self, quiescent: bool) -> None:
        """Its serverStatus says whether it is quiescent."""
        self.left_quiescence += self.quiescent and not quiescent
        self.quiescent = quiescent

    def publish_event(self, uri: str, diagnostics: list[lsp.Diagnostic]) -> None:
        """One publishDiagnostics: all of a file's diagnostics now."""
        self.pushed[uri] = diagnostics
        self.published = time.monotonic()
        self.touch()

    def progress_event(self, token: str, value: Mapping[str, Any]) -> None:
        """One $/progress notification. rust-analyzer's cargo check reports under the token
        rust-analyzer/flycheck/<n>; a cancelled check ends like a finished one."""
        kind = value.get("kind")
        flycheck = "flycheck" in token
        if kind == "begin":
            self.progress[token] = ProgressTask(title=value.get("title", token))
            if flycheck:
                self.flycheck_begun += 1
                self.flycheck_moved = time.monotonic()
                self.flycheck_began.set()
                if self.on_flycheck is not None:
                    self.on_flycheck("begin")
        task = self.progress.get(token)
        if task is not None:
            task.message = value.get("message") or task.message
            if value.get("percentage") is not None:
                task.percentage = int(value["percentage"])
            if kind == "end":
                task.done = True
                if flycheck:
                    self.flycheck_ended += 1
                    self.flycheck_moved = time.monotonic()
                    if self.on_flycheck is not None:
                        self.on_flycheck("end")
            if kind in ("begin", "end"):
                self._build_data_event(token, task.title, kind == "begin")
        self.touch()

    def _build_data_event(self, token: str, title: str, begun: bool) -> None:
        if title in BUILD_DATA_TITLES:
            self.build_data_ended = not begun
        elif title == FETCH_TITLE and begun:  # a reload: the build data before it no longer counts
            self.build_data_ended = False
        elif title in APPLYING_TITLES:
            (self.applying.add if begun else self.applying.discard)(token)
        else:
            return
        if not (self.build_data_ended and not self.applying):
            self.applied_since = None
        elif self.applied_since is None:
            self.applied_since = time.monotonic()

    def expect_reload(self) -> None:
        """A manifest changed: answers wait for the build data of the reload (or quiescence)."""
        self.build_data_ended = False
        self.applied_since = None

    def ready_in(self, now: float) -> float | None:
        """0 when rust-analyzer answers right now: quiescent, or its build data applied (build
        scripts run, proc macros loaded, the crate graph rebuilt) with no such phase for
        APPLIED_SETTLE_SECONDS; the seconds left of that settling; None while it is loading."""
        if self.quiescent:
            return 0.0
        if self.applied_since is None:
            return None
        return max(0.0, self.applied_since + APPLIED_SETTLE_SECONDS - now)

    def busy_summary(self) -> str:
        active = [task for task in self.progress.values() if not task.done]
        if not active:
            return self.status_message or ("ready" if self.quiescent else "loading the workspace")
        parts = []
        for task in active:
            text = task.title
            if task.percentage is not None:
                text += f" {task.percentage}%"
            if task.message:
                text += f" ({task.message})"
            parts.append(text)
        return "; ".join(parts)
