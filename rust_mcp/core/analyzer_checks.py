"""rust-analyzer's own cargo check (its flycheck), kept for cargo_check: when rust-analyzer has just
checked the project as it is now, with the flags a cargo_check call asks for, that call answers from
the check instead of running cargo again.

How a check is kept: rust-analyzer runs cargo through ra_mcp/workspace/flycheck_tee.py, which copies its
flycheck's output into a private directory of ours (0700, made by the server for that one
rust-analyzer and mounted writable into its sandbox only). When rust-analyzer says the check ended,
the server reads the copy through the one door (no link followed, regular files only, size-limited)
and keeps it, here, in memory, for the state of the project's files it checked (tree_state.py).

Which state: the copy counts for the files as they are after it ended only if nothing in the tree
changed from shortly before the check started (CLOCK_SLACK) until the state was taken after its end:
every file's change time and every directory's, older than the start. The check must have run
between the begin and the end the server saw rust-analyzer report.

What the copy can be trusted for: project code runs inside that sandbox during the check (build
scripts, proc macros) with the same user and mounts as the tee, so it can write the copy too (no
further user namespace can be made there, so the tee cannot hide the directory from cargo). It gains
nothing by it: the same code already decides what a fresh cargo check prints (a proc macro's stderr
becomes compiler messages, and cargo replays the cached messages in the shared target directory,
which it can rewrite). The key is ours, never read from the copy (the flags it records are compared,
the state is computed by the server, the start is bounded by the begin the server saw), the
directory belongs to one rust-analyzer (one workspace, one sandbox), the agent's own sandbox and
other runs cannot reach it, and its content is parsed as any cargo output (sized, paths outside the
roots redacted)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import Refusal
from .json_nesting import parse_json
from .project_files import read_text, remove_file

# of cargo's JSON kept from one check, each of stdout and stderr (the large corpus: a few MB). Kept as
# text, split into lines only while replayed: 64 MiB of short lines held as a list cost 1.7 GB
MAX_COPY_BYTES = 64 * 1024 * 1024
MAX_DONE_BYTES = 64 * 1024
MAX_START_LAG = 10.0  # seconds the server may see a check's begin after the check started, at most
TEE_NAMES = tuple(f"{name}{part}" for name in ("stdout", "stderr", "done") for part in ("", ".part"))
CLOCK_SLACK_NS = 50_000_000  # file times come from a coarse clock (a tick behind the real time)
# cargo arguments that change neither what is checked nor how (the output's colour, continuing past
# a failed crate: rust-analyzer's check always does; see `reusable` below)
NEUTRAL_ARGS = ("--keep-going",)
SWITCHES = frozenset(
    {
        "--workspace",
        "--all",
        "--all-targets",
        "--lib",
        "--bins",
        "--tests",
        "--examples",
        "--benches",
        "--all-features",
        "--no-default-features",
        "--release",
        "--locked",
        "--frozen",
        "--offline",
    }
)


def check_flags(args: Sequence[str]) -> tuple[str, frozenset[str]] | None:
    """What of cargo check's arguments decides its findings: the manifest path and the switches (in
    any order), or None for arguments that are not a plain `check` with switches (features by name,
    packages, targets: not compared, so never reused)."""
    if list(args[:1]) != ["check"]:
        return None
    manifest: str | None = None
    switches: set[str] = set()
    items = iter(args[1:])
    for item in items:
        if item == "--manifest-path":
            manifest = next(items, None)
        elif item.startswith("--manifest-path="):
            manifest = item.split("=", 1)[1]
        elif item.startswith("--message-format=json") or item in NEUTRAL_ARGS:
            continue
        elif item in SWITCHES:
            switches.add("--workspace" if item == "--all" else item)
        else:
            return None
    return (manifest, frozenset(switches)) if manifest else None


@dataclass(frozen=True)
class CheckSetting:
    """Everything besides the arguments a check's findings depend on: the workspace root, the real
    cargo binary (the toolchain), extra environment given to cargo, the sandbox mode, network, and
    the allowed roots (the sandbox mounts them: a build script run where more roots were mounted
    may print what a session with fewer must not see)."""

    workspace_root: str
    cargo: str
    extra_env: tuple[tuple[str, str], ...] = ()
    sandboxed: bool = True
    network: bool = False
    roots: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnalyzerCheck:
    """One finished rust-analyzer check, as cargo printed it, for the files in `state`."""

    setting: CheckSetting
    flags: tuple[str, frozenset[str]]
    state: str
    stdout: str
    stderr: str
    exit_code: int
    duration_ms: int
    finished_at: float  # time.monotonic()


FINISHED: dict[str, AnalyzerCheck] = {}  # the latest kept check of each workspace root
STATS = {"kept": 0, "reused": 0}  # checks kept, and cargo_check calls answered from one


def record(check: AnalyzerCheck) -> None:
    FINISHED[check.setting.workspace_root] = check
    STATS["kept"] += 1


def forget(workspace_root: str) -> None:
    FINISHED.pop(workspace_root, None)


def find(setting: CheckSetting, args: Sequence[str], state: Hashable) -> AnalyzerCheck | None:
    """The kept check answering a cargo check with `args` in `setting` on the files in `state`."""
    check = FINISHED.get(setting.workspace_root)
    flags = check_flags(args)
    if check is None or flags is None or check.setting != setting or check.state != state:
        return None
    return check if check.flags == flags else None


@dataclass(frozen=True)
class Copy:
    """What the tee left for one check."""

    argv: list[str]
    cwd: str
    started_ns: int
    finished_ns: int
    exit_code: int
    stdout: str
    stderr: str


def read_copy(directory: Path) -> Copy | None:
    """The tee's copy of the last check that ran to its end, read through the door, or None (none
    yet, cancelled, malformed, or too large); blocking."""
    try:
        done_text = read_text(directory / "done", MAX_DONE_BYTES)
        if done_text is None:
            return None
        done = parse_json(done_text)
        stdout = read_text(directory / "stdout", MAX_COPY_BYTES)
        stderr = read_text(directory / "stderr", MAX_COPY_BYTES)
        if stdout is None or stderr is None or read_text(directory / "done", MAX_DONE_BYTES) != done_text:
            return None  # another check finished while reading
        argv, cwd, code = done["argv"], done["cwd"], done["exit"]
        started, finished = done["started"], done["finished"]
    except (OSError, Refusal, ValueError, KeyError, TypeError, RecursionError):
        return None
    if not (isinstance(argv, list) and all(isinstance(a, str) for a in argv) and isinstance(cwd, str)):
        return None
    if not all(isinstance(value, int) for value in (code, started, finished)):
        return None
    return Copy(argv, cwd, started, finished, code, stdout, stderr)


def finished_at(directory: Path) -> int | None:
    """When the last check that ran to its end finished (the tee's `done`, wall clock in ns), or None
    (none yet, or unreadable); blocking. Reads `done` alone: a few bytes."""
    try:
        done_text = read_text(directory / "done", MAX_DONE_BYTES)
        finished = parse_json(done_text)["finished"] if done_text is not None else None
    except (OSError, Refusal, ValueError, KeyError, TypeError, RecursionError):
        return None
    return finished if isinstance(finished, int) else None


def counts_for(copy: Copy, begun_ns: int, ended_ns: int, newest_change_ns: int) -> bool:
    """Whether `copy` checked the files as they are: it ran between the begin and the end the server
    saw rust-analyzer report (wall clock; the tee starts a little after the begin is reported, and
    the begin may be seen up to MAX_START_LAG late), and nothing in the tree changed since shortly
    before it started (`newest_change_ns`, from a state taken after its end)."""
    if not begun_ns - MAX_START_LAG * 1e9 <= copy.started_ns <= copy.finished_ns <= ended_ns:
        return False
    return newest_change_ns < copy.started_ns - CLOCK_SLACK_NS


def keep(copy: Copy, setting: CheckSetting, state: str) -> AnalyzerCheck | None:
    """Keep `copy` as the workspace's finished check for `state` (its flags understood); returns it."""
    flags = check_flags(copy.argv)
    if flags is None or copy.cwd != setting.workspace_root:
        forget(setting.workspace_root)
        return None
    check = AnalyzerCheck(
        setting,
        flags,
        state,
        copy.stdout,
        copy.stderr,
        copy.exit_code,
        (copy.finished_ns - copy.started_ns) // 1_000_000,
        time.monotonic(),
    )
    record(check)
    return check


def clear_directory(directory: Path) -> None:
    """Remove the files the tee writes (its own names, through the door). Bounded work, done on the
    event loop as rust-analyzer exits: project code can plant any number of files there, and listing
    and removing them would stall every session of the engine (100,000 took 7.7 s); they stay."""
    for name in TEE_NAMES:
        with contextlib.suppress(OSError, Refusal):
            remove_file(directory / name)


def lines(text: str) -> Iterator[str]:
    """The lines of a kept output, one at a time (as the runner splits a child's: at newlines, a
    carriage return before one dropped)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        yield text[start:end].rstrip("\r")
        start = end + 1


def extra_env(env: Mapping[str, str], base: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The variables of `env` beyond (or other than) `base`: what a caller added for cargo."""
    return tuple(sorted((name, value) for name, value in env.items() if base.get(name) != value))
