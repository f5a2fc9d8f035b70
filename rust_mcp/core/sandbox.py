"""The sandbox around every child that can run project code (build scripts, proc macros, tests,
wrappers and runners named in .cargo/config.toml): whether one can be set up, and the bubblewrap
command line for one child.

Inside: its own network namespace (no network unless asked), its own pid namespace (nothing inside
can see or signal the server), no capabilities, and a file system built from an allowlist: system
directories read-only, the toolchain and cargo's registry read-only, the roots read-only, and only
the paths a run may change writable. Home directories, /run and every other socket directory are
absent; /tmp is private. The environment is exactly what the caller passes (already scrubbed).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

import anyio

from .bind_paths import OpenedPaths
from .errors import Refusal
from .sandbox_env import identity_files
from .sandbox_env import scrubbed_environment as scrubbed_environment  # where callers find it
from .sandbox_env import search_path as search_path
from .sandbox_limits import MIB, RunKind, SandboxLimits, find_prlimit, limit_commands
from .sandbox_system import namespace_flags, system_mounts
from .unix_sockets import planned_masks, socket_filter

SandboxMode = Literal["auto", "bwrap", "off"]
SANDBOX_MODES: tuple[str, ...] = get_args(SandboxMode)
BWRAP_PACKAGE = "bubblewrap"
INSTALL_COMMAND = f"apt-get install {BWRAP_PACKAGE}"
PROBE_TIMEOUT = 15.0
# 128 + N is how bubblewrap reports a child killed by signal N; these are the signals we map back
SIGNAL_EXITS = {128 + number: -number for number in (1, 2, 4, 6, 7, 8, 9, 11, 15)}
_PRLIMIT = find_prlimit()  # sets an ordinary user's limits inside the sandbox (sandbox_limits.py)


class SandboxUnavailable(Refusal):
    """No sandbox could be set up and the operator did not say --sandbox off."""


@dataclass(frozen=True)
class SandboxState:
    """What the operator asked for (--sandbox) and what works on this machine, decided at start-up."""

    mode: SandboxMode
    bwrap: str | None = None
    problem: str | None = None

    @property
    def active(self) -> bool:
        return self.bwrap is not None

    @property
    def sandboxed(self) -> bool:
        """Whether code-running tools are contained: true unless the operator chose off (without a
        sandbox they refuse to run, which contains them too)."""
        return self.mode != "off"

    def require(self) -> None:
        """Raise the one refusal naming the fix when project code cannot be contained."""
        if self.mode != "off" and not self.active:
            raise SandboxUnavailable(
                f"this tool runs project code (build scripts, proc macros, tests), and no sandbox can be "
                f"set up for it: {self.problem}. Fix: install bubblewrap (`{INSTALL_COMMAND}`), or start "
                "the server with `--sandbox off` to run project code unsandboxed, with the server's "
                "own permissions and network"
            )

    def describe(self) -> str:
        if self.mode == "off":
            return "off (--sandbox off): project code runs unsandboxed with the server's permissions"
        if self.active:
            return f"bubblewrap ({self.bwrap}): no network, writes only to the workspace and its target dir"
        return f"unavailable: {self.problem}; code-running tools refuse until it is fixed"


def probe_sandbox(mode: SandboxMode, bwrap: str | None = None) -> SandboxState:
    """Check once, at start-up, that a trivial bubblewrap sandbox starts here."""
    if mode == "off":
        return SandboxState(mode)
    executable = (
        bwrap or shutil.which("bwrap") or ("/usr/bin/bwrap" if Path("/usr/bin/bwrap").exists() else None)
    )
    if executable is None:
        return SandboxState(mode, problem="bubblewrap (bwrap) is not installed")
    if not os.access(executable, os.X_OK):
        return SandboxState(mode, problem=f"bubblewrap is not an executable at {executable}")
    mounts = [arg for _, args in system_mounts(network=False, tmp_size=MIB) for arg in args]
    argv = [executable, *namespace_flags(network=False), *mounts, "--", "true"]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=PROBE_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return SandboxState(mode, problem=f"{executable} does not run: {exc}")
    if proc.returncode != 0:
        reason = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        return SandboxState(mode, problem=f"{executable} cannot create a sandbox here ({reason})")
    return SandboxState(mode, bwrap=executable)


class Sandbox:
    """The operator's --sandbox choice, and whether it works here: found on first use (one trivial
    bubblewrap run, off the event loop) and kept. Tool annotations need only the choice."""

    def __init__(self, mode: SandboxMode, bwrap: str | None = None) -> None:
        self.mode = mode
        self.bwrap = bwrap
        self._state: SandboxState | None = SandboxState(mode) if mode == "off" else None
        self._lock: anyio.Lock | None = None

    @property
    def sandboxed(self) -> bool:
        return self.mode != "off"

    async def state(self) -> SandboxState:
        if self._state is None:
            self._lock = self._lock or anyio.Lock()
            async with self._lock:
                if self._state is None:
                    self._state = await anyio.to_thread.run_sync(probe_sandbox, self.mode, self.bwrap)
        return self._state


@dataclass(frozen=True)
class Confinement:
    """What one sandboxed child may see and touch. Paths are absolute and resolved; each is mounted
    at its own path, so file names in compiler output mean the same inside and out."""

    cwd: Path
    env: Mapping[str, str]
    readable: tuple[Path, ...] = ()  # agent-controlled (inside the roots), read-only
    writable: tuple[Path, ...] = ()  # agent-controlled, read-write
    read_only_within: tuple[Path, ...] = ()  # read-only again inside a writable path
    hidden: tuple[Path, ...] = ()  # not visible at all
    system: tuple[Path, ...] = ()  # operator-controlled (toolchain, registry), read-only
    system_writable: tuple[Path, ...] = ()  # operator-controlled, read-write (the registry in a fetch)
    scratch: tuple[Path, ...] = ()  # private empty directories (HOME, CARGO_HOME), discarded after
    files: tuple[tuple[Path, bytes], ...] = ()  # operator-made content, read-only (filtered config)
    network: bool = False
    kind: RunKind = "build"  # project code of a test, bench or run keeps unix sockets (unix_sockets.py)
    limits: SandboxLimits | None = None  # processes, memory, /tmp (sandbox_limits.py)
    masked_sockets: tuple[Path, ...] = ()  # socket files covered with /dev/null (kind "project")
    refuse_unix_sockets: bool = True  # the seccomp filter (every kind but "project", or a failed scan)


@dataclass
class SandboxedCommand:
    """A command ready for the process runner: its argv, environment, working directory, the
    descriptors the sandbox mounts (close them once the child has started), and whether it is
    `contained`: run by bubblewrap in a pid namespace of its own that dies with it, so nothing it
    starts outlives it (see processes.kill_process_group)."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path
    opened: OpenedPaths = field(default_factory=OpenedPaths)
    contained: bool = False
    limits: SandboxLimits | None = None  # what the run may use (its answer names a limit it hit)
    notes: list[str] = field(default_factory=list)  # what the model should know about the sandbox

    @property
    def pass_fds(self) -> tuple[int, ...]:
        return self.opened.fds

    def close(self) -> None:
        self.opened.close()


def sandboxed(state: SandboxState, confinement: Confinement, argv: Sequence[str]) -> SandboxedCommand:
    """The command line that runs `argv` confined; with --sandbox off, `argv` itself (still with the
    scrubbed environment). Raises SandboxUnavailable when no sandbox can be set up."""
    state.require()
    env = dict(confinement.env)
    if state.bwrap is None:
        return SandboxedCommand(list(argv), env, confinement.cwd)
    opened = OpenedPaths()
    limits = confinement.limits
    try:
        mounts = _mounts(confinement, opened)
        sockets = socket_filter(confinement.refuse_unix_sockets, opened)
    except BaseException:
        opened.close()
        raise
    before, inside = limit_commands(limits, _PRLIMIT) if limits is not None else ([], [])
    command = [
        *before,
        state.bwrap,
        *namespace_flags(network=confinement.network),
        *sockets,
        *mounts,
        "--chdir",
        str(confinement.cwd),
        "--",
        *inside,
        *argv,
    ]
    return SandboxedCommand(command, env, confinement.cwd, opened, contained=True, limits=limits)


def exit_code_of(state: SandboxState, code: int | None) -> int | None:
    """The child's exit code as the runner reports it unsandboxed (negative for a signal)."""
    if state.active and code is not None:
        return SIGNAL_EXITS.get(code, code)
    return code


# mounts are applied parents first (a deeper mount overlays a shallower one); for the same path,
# in this order, so that the narrower grant wins
_ORDER = ("scratch", "system", "system_writable", "readable", "writable", "read_only_within", "hidden")


def _mounts(confinement: Confinement, opened: OpenedPaths) -> list[str]:
    tmp_size = confinement.limits.tmp if confinement.limits is not None else None
    planned: list[tuple[int, float, Path, str]] = [
        (len(path.parts), -1, path, "") for path, _ in system_mounts(confinement.network, tmp_size)
    ]
    for rank, kind in enumerate(_ORDER):
        for path in getattr(confinement, kind):
            planned.append((len(path.parts), rank, path, kind))
    contents = dict(confinement.files)
    planned += [(len(path.parts), _ORDER.index("system"), path, "file") for path in contents]
    holders = (p for p in planned if p[3] not in ("hidden", "file"))
    planned += planned_masks(confinement.masked_sockets, holders)
    system = dict(system_mounts(confinement.network, tmp_size))
    for name, content in identity_files().items():
        system[Path("/etc") / name] = ["--ro-bind-data", str(opened.data(name, content)), f"/etc/{name}"]
    args: list[str] = []
    for _, _, path, kind in sorted(planned, key=lambda item: (item[0], item[1])):
        if kind == "file":
            args += ["--ro-bind-data", str(opened.data(path.name, contents[path])), str(path)]
        else:
            args += system[path] if kind == "" else _mount(kind, path, opened)
    return [*args, "--remount-ro", "/"]  # the sandbox's own root stays empty


def _mount(kind: str, path: Path, opened: OpenedPaths) -> list[str]:
    target = str(path)
    if kind == "scratch":
        return ["--tmpfs", target]
    if kind == "socket":  # a unix socket in the roots (unix_sockets.py)
        return ["--ro-bind-try", "/dev/null", target]
    if kind == "system":
        return ["--ro-bind-try", target, target]
    if kind == "system_writable":
        return ["--bind-try", target, target]
    if kind == "hidden":
        if path.is_dir():
            return ["--tmpfs", target, "--remount-ro", target]
        return ["--ro-bind", "/dev/null", target] if path.exists() else []
    if not path.exists():
        return []
    fd = opened.open(path)
    return ["--bind-fd" if kind == "writable" else "--ro-bind-fd", str(fd), target]
