"""The sandbox for each cargo or rust-analyzer child, in cargo's terms: the toolchain's real
binaries, the cargo home (registry and git checkouts read-only, never the credentials), the roots
read-only, the paths the run may change writable, and a scrubbed environment.

A client's own sandbox (Codex's `codex/sandbox-state-meta`) narrows a run, never widens it: under
read-only, cargo writes only its target directory; under workspace-write, also what the client may
write inside the workspace; the network only when the client allows it.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import anyio

from .build_dirs import exists_without_links
from .cargo_config import sandbox_config_files
from .client_policy import ClientPolicy
from .errors import Refusal
from .fetch_hosts import FetchHosts
from .file_stamps import FileStamp, file_stamp
from .masked_paths import masked_paths
from .roots import AllowedRoots, ReadScope
from .sandbox import (
    Confinement,
    Sandbox,
    SandboxedCommand,
    SandboxState,
    sandboxed,
    scrubbed_environment,
    search_path,
)
from .sandbox_limits import LimitChoice, RunKind
from .toolchains import Toolchain, is_rustup_proxy
from .unix_sockets import find_sockets

CARGO_HOME_READABLE = ("registry", "git")  # its config reaches a sandbox filtered (cargo_config.py)
CARGO_HOME_CACHES = ("registry", "git")
# cargo subcommands our tools run that operators often install outside ~/.cargo/bin (a tools
# directory on the server's PATH): found there, bound read-only and put on the sandbox's PATH
PATH_SUBCOMMANDS = ("cargo-nextest", "cargo-insta")


@dataclass(frozen=True)
class OperatorGrants:
    """What the operator lets every sandboxed run use beyond the defaults, e.g. a compiler wrapper
    such as sccache (read-only), its cache directory (writable) and its settings (environment)."""

    read_only: tuple[Path, ...] = ()
    writable: tuple[Path, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    # the granted program uses unix sockets itself (sccache waits for its server on one): builds
    # then keep them, with the sockets in the roots masked, as test runs do (unix_sockets.py)
    unix_sockets: bool = False


def cargo_home() -> Path:
    return Path(os.environ.get("CARGO_HOME") or Path.home() / ".cargo").resolve()


@dataclass
class CargoHome:
    """The parts of CARGO_HOME a sandboxed run sees: the registry and git checkouts, and the
    binaries in bin/ that are not rustup proxies (cargo subcommands such as cargo-nextest). Never
    credentials.toml; the operator's config only as a filtered copy (cargo_config.py)."""

    path: Path = field(default_factory=cargo_home)
    _binaries: tuple[FileStamp, tuple[Path, ...]] | None = field(default=None, init=False)

    def readable(self) -> tuple[Path, ...]:
        return tuple(self.path / name for name in CARGO_HOME_READABLE) + self.subcommands() + self.on_path()

    def on_path(self) -> tuple[Path, ...]:
        """PATH_SUBCOMMANDS found on the server's own PATH (absolute directories only, real
        binaries, not rustup proxies), outside this cargo home's bin/ (seen already)."""
        found: list[Path] = []
        search = os.pathsep.join(d for d in os.environ.get("PATH", "").split(os.pathsep) if os.path.isabs(d))
        for name in PATH_SUBCOMMANDS:
            located = shutil.which(name, path=search)
            if located is None:
                continue
            binary = Path(located)
            if binary.parent.resolve() != (self.path / "bin").resolve() and not is_rustup_proxy(binary):
                found.append(binary)
        return tuple(found)

    def caches(self) -> tuple[Path, ...]:
        """The registry and git directories, created if missing (a fetch writes them)."""
        found = []
        for name in CARGO_HOME_CACHES:
            directory = self.path / name
            directory.mkdir(parents=True, exist_ok=True)
            found.append(directory)
        return tuple(found)

    def subcommands(self) -> tuple[Path, ...]:
        bin_dir = self.path / "bin"
        stamp = file_stamp(bin_dir)
        if stamp is None:
            return ()
        if self._binaries is None or self._binaries[0] != stamp:
            kept = [
                entry
                for entry in sorted(bin_dir.iterdir())
                if entry.name.startswith("cargo-") and entry.is_file() and not is_rustup_proxy(entry)
            ]
            self._binaries = (stamp, tuple(kept))
        return self._binaries[1]


def granted_writes(workspace: Path, policy: ClientPolicy | None) -> tuple[Path, ...]:
    """What a run may change in the workspace: all of it, or what the client may write inside it (a
    folder reached through a symbolic link is not granted: the sandbox would mount where it leads)."""
    if policy is None or policy.writable is None:
        return (workspace,)
    granted: list[Path] = []
    for raw in policy.writable:
        if any(workspace == path or workspace.is_relative_to(path) for path in (raw, raw.resolve())):
            return (workspace,)
        if raw.is_relative_to(workspace) and exists_without_links(raw):
            granted.append(raw)
    return tuple(granted)


def refuse_unwritable(policy: ClientPolicy | None, directory: Path, tool: str, dry_run: bool) -> None:
    """Refuse, before anything runs, a change to `directory` that the client's own sandbox forbids
    (our sandbox would make the write fail half-way with a read-only file system error)."""
    target = directory.resolve()
    if policy is None or target in granted_writes(target, policy):
        return
    raise Refusal(
        f"{tool} changes files in {directory}, but the client's sandbox for this session is "
        f"{policy.describe()}. Nothing was run. Run the client with a sandbox that may write there "
        '(Codex: sandbox_mode = "workspace-write" with this directory inside the workspace)'
        + (", or pass dry_run=true to see the change without writing it" if dry_run else "")
    )


def _unique(paths: Iterable[Path]) -> tuple[Path, ...]:
    seen: list[Path] = []
    for path in paths:
        if path not in seen:
            seen.append(path)
    return tuple(seen)


class Containment:
    """Everything both servers need to start a contained child."""

    def __init__(
        self,
        sandbox: Sandbox,
        roots: AllowedRoots,
        grants: OperatorGrants | None = None,
        home: CargoHome | None = None,
        limits: LimitChoice | None = None,
        fetch_hosts: FetchHosts | None = None,
        guard_sockets: bool = True,
    ) -> None:
        self.sandbox = sandbox
        self.roots = roots
        self.grants = grants or OperatorGrants()
        self.home = home or CargoHome()
        self.limits = limits or LimitChoice()
        self.fetch_hosts = fetch_hosts or FetchHosts()  # private addresses the fetch may reach
        self.guard_sockets = guard_sockets  # off only to measure what the guard costs (bench/)

    @functools.cached_property
    def scope(self) -> ReadScope:
        """What answers may show: the roots and the read-only reference sources (std, registry)."""
        return ReadScope.for_roots(self.roots, self.home.path)

    async def state(self) -> SandboxState:
        state = await self.sandbox.state()
        state.require()
        return state

    def environment(
        self, toolchain: Toolchain, *, network: bool, offline: bool, settings: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """A child's whole environment: PATH with the toolchain first, HOME and CARGO_HOME, the
        operator's grants, then `settings` (our CARGO_TERM_* and the validated cargo_env)."""
        base = {
            "PATH": search_path(
                [toolchain.bin_dir, self.home.path / "bin", *(p.parent for p in self.home.on_path())]
            ),
            "HOME": str(Path.home()),
            "CARGO_HOME": str(self.home.path),
            "TMPDIR": "/tmp",
        }
        if offline:
            base["CARGO_NET_OFFLINE"] = "true"
        return scrubbed_environment({**base, **dict(self.grants.env), **(settings or {})}, network=network)

    def confinement(
        self,
        toolchain: Toolchain,
        *,
        cwd: Path,
        env: Mapping[str, str],
        writable: Sequence[Path] = (),
        network: bool = False,
        policy: ClientPolicy | None = None,
        system: Sequence[Path] = (),
        caches_writable: bool = False,
        system_writable: Sequence[Path] = (),
        kind: RunKind = "build",
    ) -> Confinement:
        """What a run may see and touch. `kind` says whose code runs in it: "project" (a project's
        tests, benches and programs: unix sockets allowed, those in the roots masked), "build"
        (build scripts and proc macros) or "analyzer" (rust-analyzer); it chooses the limits."""
        caches = self.home.caches() if caches_writable else ()
        denied = policy.denied if policy is not None else ()
        hidden = [p for p in denied if self.roots.contains(p)]
        hidden += masked_paths(self.roots.paths, [cwd, *writable])
        read_only = policy.read_only if policy is not None else ()
        return Confinement(
            cwd=cwd,
            env=env,
            readable=self.roots.paths,
            writable=_unique(writable),
            read_only_within=tuple(p for p in read_only if any(p.is_relative_to(w) for w in writable)),
            hidden=_unique(hidden),
            system=_unique([toolchain.sysroot, *self.home.readable(), *self.grants.read_only, *system]),
            system_writable=_unique([*caches, *self.grants.writable, *system_writable]),
            scratch=_unique([Path.home(), self.home.path]),
            files=sandbox_config_files(self.home.path, network=network),
            network=network,
            kind=kind,
            limits=self.limits.for_run(kind),
            refuse_unix_sockets=self.guard_sockets and kind != "project" and not self.grants.unix_sockets,
        )

    async def command(self, confinement: Confinement, argv: Sequence[str]) -> SandboxedCommand:
        state = await self.state()
        notes: list[str] = []
        if state.active and self.guard_sockets and not confinement.refuse_unix_sockets:
            tops = [*confinement.readable, *confinement.writable]
            scan = await anyio.to_thread.run_sync(find_sockets, tops)
            if scan.complete:
                confinement = replace(confinement, masked_sockets=scan.sockets)
            else:
                confinement = replace(confinement, refuse_unix_sockets=True)
                notes.append(scan.note())
        command = sandboxed(state, confinement, argv)
        command.notes += notes
        return command
