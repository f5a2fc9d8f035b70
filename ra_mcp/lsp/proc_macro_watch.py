"""Proc macros that never return. rust-analyzer's proc-macro server runs project code; one expansion
that loops keeps a core busy and leaves every request that needs it waiting for ever. The proxy we
give rust-analyzer as its proc-macro server (proc_macro_proxy.py) says on stderr which macro each
expansion runs and when it answered; this module reads that, says how long the current expansion has
run, and, past the limit, stops rust-analyzer (with its proc-macro server) so the pool starts a new
one with that macro in `procMacro.ignored`."""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from rust_mcp.core.json_nesting import parse_json

MARK = "rust-mcp-proc-macro:"  # the proxy's lines on rust-analyzer's stderr
PROXY = Path(__file__).with_name("proc_macro_proxy.py")
SERVER_ENV = "RUST_MCP_PROC_MACRO_SRV"  # the real proc-macro server, for the proxy
DEFAULT_SECONDS = 60.0
CHECK_EVERY = 1.0
IDLE_RECHECK = 60.0  # seconds a watch sleeps with nothing running before it looks at alive() again
DYLIB = re.compile(r"^lib(?P<crate>[A-Za-z0-9_]+?)(?:-[0-9a-f]+)?\.(?:so|dylib)$")


@dataclass(frozen=True)
class Expansion:
    crate: str  # the proc-macro crate (as `procMacro.ignored` names it)
    name: str  # the macro
    lib: str
    since: float  # time.monotonic()

    @property
    def label(self) -> str:
        return f"{self.crate}::{self.name}"


def crate_of(lib: str) -> str:
    """The crate a proc-macro dylib was built from: target/debug/deps/libmy_macros-1a2b3c.so."""
    match = DYLIB.match(os.path.basename(lib))
    return match["crate"] if match else os.path.basename(lib)


@dataclass
class ProcMacroWatch:
    """What the proc-macro servers are doing, from the proxies' lines (one proxy per server)."""

    running: dict[int, Expansion] = field(default_factory=dict)  # by proxy pid: the expansion it waits on
    stuck: Expansion | None = None  # the expansion that ran past the limit (rust-analyzer was stopped)
    expansions: int = 0
    began: asyncio.Event = field(default_factory=asyncio.Event)  # set when an expansion begins

    @property
    def expanding(self) -> Expansion | None:
        """The expansion running longest, if any."""
        return min(self.running.values(), key=lambda expansion: expansion.since, default=None)

    def feed(self, line: str) -> bool:
        """Read one stderr line; True when it was a proxy's (and is not kept as a log line)."""
        if not line.startswith(MARK):
            return False
        pid, _, said = line[len(MARK) :].strip().partition(" ")
        verb, _, rest = said.partition(" ")
        if not pid.isdigit():
            return True
        if verb == "expand":
            try:
                fields = parse_json(rest)
                lib, name = str(fields["lib"]), str(fields["macro"])
            except (ValueError, KeyError, TypeError):
                return True
            self.running[int(pid)] = Expansion(crate_of(lib), name, lib, time.monotonic())
            self.expansions += 1
            self.began.set()
        elif verb in ("answered", "exited"):
            self.running.pop(int(pid), None)
        return True

    def running_for(self, now: float) -> float:
        expansion = self.expanding
        return now - expansion.since if expansion is not None else 0.0

    def notice(self, now: float, limit: float) -> str | None:
        """A health note while an expansion has run for long (a quarter of the limit), else None."""
        expansion = self.expanding
        seconds = self.running_for(now)
        if expansion is None or seconds < limit / 4:
            return None
        return (
            f"proc macro `{expansion.label}` has been expanding for {seconds:.0f} s "
            f"(stopped at {limit:.0f} s and ignored from then on)"
        )


@dataclass
class StuckMacros:
    """Per workspace root, the macros that ran past the limit: rust-analyzer ignores them from then on."""

    by_root: dict[Path, dict[str, Expansion]] = field(default_factory=dict)

    def add(self, root: Path, expansion: Expansion) -> None:
        self.by_root.setdefault(root, {})[expansion.label] = expansion

    def ignored(self, root: Path) -> dict[str, list[str]]:
        """rust-analyzer's `procMacro.ignored`: {crate: [macro names]}."""
        setting: dict[str, list[str]] = {}
        for expansion in self.by_root.get(root, {}).values():
            setting.setdefault(expansion.crate, []).append(expansion.name)
        return setting

    def labels(self, root: Path) -> list[str]:
        return sorted(self.by_root.get(root, {}))


def stopped_reason(expansion: Expansion, limit: float) -> str:
    return (
        f"was stopped: proc macro `{expansion.name}` (crate {expansion.crate}) did not return within "
        f"{limit:.0f} s; restarted with it ignored (its uses are not expanded)"
    )


async def watch_expansions(
    watch: ProcMacroWatch, limit: float, alive: Callable[[], bool], stop: Callable[[], Awaitable[None]]
) -> None:
    """Stop rust-analyzer when one expansion runs past `limit` seconds (checked every second while one
    runs; between expansions it sleeps until one begins, so an idle server is not woken each second)."""
    while alive():
        if not watch.running:
            watch.began.clear()
            with anyio.move_on_after(IDLE_RECHECK):  # and looks at alive() now and then
                await watch.began.wait()
            continue
        await anyio.sleep(CHECK_EVERY)
        expansion = watch.expanding
        if expansion is not None and time.monotonic() - expansion.since > limit:
            watch.stuck = expansion
            await stop()
            return
