"""How one validated cargo call starts: its toolchain resolved to real binaries, its build
directories checked, its dependencies fetched in the separate network step, and its command
wrapped in the sandbox with what it may write and whether it has the network."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from rust_mcp.core.build_dirs import check_cargo_made, create_build_directory
from rust_mcp.core.build_layout import BuildDirs
from rust_mcp.core.cargo_setup_runs import NEUTRAL_DIRECTORY, CargoHelpers
from rust_mcp.core.client_policy import ClientPolicy
from rust_mcp.core.containment import Containment, granted_writes
from rust_mcp.core.errors import Refusal
from rust_mcp.core.fetch_hosts import check_fetch_hosts
from rust_mcp.core.lockfile import private_lock_env
from rust_mcp.core.project_files import remove_empty_directory
from rust_mcp.core.runner import RunOutcome
from rust_mcp.core.sandbox import SandboxedCommand, SandboxState
from rust_mcp.core.sandbox_limits import RunKind
from rust_mcp.core.toolchains import Toolchain, Toolchains

if TYPE_CHECKING:
    from cargo_mcp.run.compiler_cache import CompilerCache
    from cargo_mcp.run.invocation import Invocation
    from cargo_mcp.table.command import CargoCommand

OFFLINE_MARKERS = ("--offline", "offline mode", "net.offline")
PRIVATE_LOCK_DIR = "rust-mcp-lock"  # in the target directory: where a read-only run's Cargo.lock goes
PROJECT_CODE = ("test", "bench", "run", "nextest")  # cargo subcommands that run the project's own code


@dataclass
class Launch:
    """A cargo run, ready to start."""

    command: SandboxedCommand
    state: SandboxState
    toolchain: Toolchain
    notes: list[str] = field(default_factory=list)
    fetched: bool = False  # whether the fetch step may run for this call (for a retry)
    # build directories mounted on their own: cargo clean empties them but cannot remove a mount point
    mounted_alone: tuple[Path, ...] = ()
    # where the sandboxed run leaves the compiler cache's statistics (sccache's server lives and
    # dies inside the sandbox, so they are read there, after cargo, and left in the build directory)
    cache_stats: Path | None = None
    build_dir: Path | None = None  # where cargo keeps this run's units (None for network commands)

    def finish_clean(self, outcome: RunOutcome) -> None:
        """After cargo clean: remove the (now empty) directories it could not, and when that was its
        only complaint, report the clean as the success it was."""
        removed = []
        for directory in self.mounted_alone:
            if remove_empty_directory(directory):  # through the one door: never a link's target
                removed.append(directory)
        errors = [line for line in outcome.stderr.splitlines() if line.lower().startswith("error:")]
        # cargo names the directory as configured (`A/../shared`), we as checked (`shared`)
        named = [os.path.normpath(e.split("`")[1]) if e.count("`") >= 2 else e for e in errors]
        if outcome.exit_code and errors and all(name in map(str, removed) for name in named):
            outcome.exit_code, outcome.stderr = 0, ""


CACHE_STATS_FILE = ".rust-mcp-cache-stats.json"
# run cargo, then ask the wrapper for its statistics in the same sandbox; cargo's exit status stands
CACHE_STATS_SCRIPT = (
    'stats=$1 wrapper=$2; shift 2; "$@"; status=$?; '
    '"$wrapper" --show-stats --stats-format json >"$stats" 2>/dev/null; exit $status'
)


def run_kind(command: CargoCommand) -> RunKind:
    """Whose code a command runs: the project's own tests, benches and programs ("project": they may
    use unix sockets in their /tmp), or only build scripts and proc macros ("build")."""
    return "project" if command.subcommand[0] in PROJECT_CODE else "build"


def compiles(command: CargoCommand) -> bool:
    """Whether a command runs rustc (so a compiler cache has something to say about it)."""
    return bool(command.json_messages or command.output == "nextest")


class CargoLaunches:
    def __init__(
        self, containment: Containment, toolchains: Toolchains, compiler_cache: CompilerCache | None = None
    ) -> None:
        self.containment = containment
        self.toolchains = toolchains
        self.helpers = CargoHelpers(containment, toolchains)
        self.compiler_cache = compiler_cache  # the operator's wrapper (sccache), one cache per workspace

    async def prepare(self, invocation: Invocation, policy: ClientPolicy | None) -> Launch:
        """The sandboxed command for `invocation`; raises Refusal when it cannot be contained."""
        state = await self.containment.state()
        toolchain = await self.toolchains.resolve(invocation.toolchain, invocation.cwd)
        command = invocation.command
        notes = [toolchain.note] if toolchain.note else []
        may_fetch = state.active and command.fetches and (policy is None or policy.network is not False)
        network = policy is not None and policy.network is True
        cwd = invocation.cwd
        workspace = invocation.workspace_root
        mounted_alone: tuple[Path, ...] = ()
        cache_stats: Path | None = None
        cache_dirs: tuple[Path, ...] = ()
        build_dir: Path | None = None
        if command.network:
            # cargo add / update reach the registry themselves; started outside the project, they
            # read no project .cargo/config.toml (credential providers, proxies, registries)
            network = policy is None or policy.network is not False
            hosts = self.containment.fetch_hosts
            if network and (refused := await check_fetch_hosts(workspace, self.containment.roots, hosts)):
                raise Refusal(f"{command.name} reaches the network, and was {refused}")
            writable = granted_writes(workspace, policy)
            cwd = NEUTRAL_DIRECTORY if state.active else cwd
        else:
            dirs = await self.helpers.build_dirs(invocation, toolchain, policy)
            build_dir = dirs.build
            granted = granted_writes(workspace, policy)
            # a build directory inside what the run may write anyway is not mounted again (cargo
            # clean could not remove a mount point)
            separate = tuple(d for d in dirs.paths if not any(d.is_relative_to(g) for g in granted))
            writable = (*granted, *separate)
            if command.cleans_build and "--dry-run" not in invocation.args:
                # checked again here (the confirmation may be skipped), before anything is created
                notes.append("cargo clean ran on " + await anyio.to_thread.run_sync(doomed, dirs))
            for directory in separate:
                create_build_directory(directory)
            mounted_alone = separate
            if _reads_only(command) and not any(workspace.is_relative_to(g) for g in granted):
                # the client's sandbox keeps the project's Cargo.lock read-only: cargo resolves into
                # a private copy in the target directory (a missing or stale lockfile still works)
                invocation = replace(invocation, env={**invocation.env, **_private_lock(workspace, dirs)})
            cache = self.compiler_cache
            if cache is not None and cache.is_sccache:
                cache_dirs = (cache.workspace_dir(workspace),)
                invocation = replace(invocation, env={**invocation.env, **cache.workspace_env(workspace)})
                if state.active and compiles(command) and dirs.paths:
                    cache_stats = dirs.paths[0] / CACHE_STATS_FILE
                    create_build_directory(dirs.paths[0])
        if may_fetch and (hint := await self.helpers.fetch(invocation, toolchain, policy)) is not None:
            notes.append(hint)
        env = self.containment.environment(
            toolchain, network=network, offline=state.active and not network, settings=invocation.env
        )
        confinement = self.containment.confinement(
            toolchain,
            cwd=cwd,
            env=env,
            writable=writable,
            network=network,
            policy=policy,
            system_writable=cache_dirs,
            kind=run_kind(command),
        )
        argv = [str(toolchain.cargo), *invocation.args]
        if cache_stats is not None and self.compiler_cache is not None:
            argv = [
                "/bin/sh",
                "-c",
                CACHE_STATS_SCRIPT,
                "sh",
                str(cache_stats),
                str(self.compiler_cache.wrapper),
                *argv,
            ]
        sandboxed = await self.containment.command(confinement, argv)
        return Launch(
            sandboxed,
            state,
            toolchain,
            notes + sandboxed.notes,
            fetched=may_fetch,
            mounted_alone=mounted_alone,
            cache_stats=cache_stats,
            build_dir=build_dir,
        )

    async def retry_after_fetch(self, invocation: Invocation, launch: Launch, output: str) -> bool:
        """After an offline run failed for want of a download: fetch again (forced) and say whether
        the run is worth repeating."""
        if not launch.fetched or not any(marker in output for marker in OFFLINE_MARKERS):
            return False
        return await self.helpers.fetch(invocation, launch.toolchain, None, force=True) is None

    async def build_dir(self, invocation: Invocation, policy: ClientPolicy | None) -> Path:
        """Where cargo keeps the units of `invocation` (its build directory), as cargo decides."""
        await self.containment.state()
        toolchain = await self.toolchains.resolve(invocation.toolchain, invocation.cwd)
        return (await self.helpers.build_dirs(invocation, toolchain, policy)).build

    async def doomed_directories(self, invocation: Invocation, policy: ClientPolicy | None) -> str:
        """What cargo clean will delete, checked: build directories (see build_dirs.py) that cargo
        made (CACHEDIR.TAG, no Cargo.toml inside), named with where their setting came from."""
        await self.containment.state()
        toolchain = await self.toolchains.resolve(invocation.toolchain, invocation.cwd)
        dirs = await self.helpers.build_dirs(invocation, toolchain, policy)
        return await anyio.to_thread.run_sync(doomed, dirs)


def doomed(dirs: BuildDirs) -> str:
    """What cargo clean deletes in `dirs`, named truthfully; raises BuildDirectoryRefused for a
    directory that cargo did not make (no CACHEDIR.TAG) or that holds a package."""
    present = [path for path in dirs.paths if check_cargo_made(path, dirs.source)]
    if not present:
        return f"nothing: {dirs.target} ({dirs.source}) does not exist"
    return " and ".join(str(path) for path in present) + f" (from {dirs.source}), cargo's build output"


def _reads_only(command: CargoCommand) -> bool:
    """A command that changes no project file (so never the project's own Cargo.lock either)."""
    return command.guards is None and not command.edits_project and not command.network


def _private_lock(workspace: Path, dirs: BuildDirs) -> dict[str, str]:
    directory = dirs.target / PRIVATE_LOCK_DIR
    create_build_directory(directory)
    return private_lock_env(workspace, directory)
