"""How one validated cargo call starts: its toolchain resolved to real binaries, its build
directories checked, its dependencies fetched in the separate network step, and its command
wrapped in the sandbox with what it may write and whether it has the network."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from rust_mcp.core.client_policy import ClientPolicy
from rust_mcp.core.errors import Refusal
from rust_mcp.core.sandbox import SandboxedCommand, SandboxState

from .containment import Containment, granted_writes
from .env_policy import check_build_directory
from .fetch import DependencyFetch, FetchOutcome, FetchRun
from .layout import DIRECTORY_SETTINGS, BuildDirs, BuildLayout
from .runner import RunOutcome, RunRequest, run_process
from .toolchains import Toolchain, Toolchains

if TYPE_CHECKING:
    from .calls import Invocation

NEUTRAL_DIRECTORY = Path("/")
FETCH_BUDGET = 4_000
OFFLINE_MARKERS = ("--offline", "offline mode", "net.offline")


class CargoProject(Protocol):
    """What the helper runs (metadata, fetch) need to know of a call: an Invocation, or the
    workspace rust-analyzer loads."""

    @property
    def cwd(self) -> Path: ...
    @property
    def manifest(self) -> Path: ...
    @property
    def workspace_root(self) -> Path: ...
    @property
    def env(self) -> Mapping[str, str]: ...
    @property
    def timeout(self) -> float: ...


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

    def finish_clean(self, outcome: RunOutcome) -> None:
        """After cargo clean: remove the (now empty) directories it could not, and when that was its
        only complaint, report the clean as the success it was."""
        removed = []
        for directory in self.mounted_alone:
            with contextlib.suppress(OSError):
                if directory.is_dir() and not any(directory.iterdir()):
                    directory.rmdir()
                    removed.append(directory)
        errors = [line for line in outcome.stderr.splitlines() if line.lower().startswith("error:")]
        if outcome.exit_code and errors and all(any(f"`{d}`" in e for d in removed) for e in errors):
            outcome.exit_code, outcome.stderr = 0, ""


class CargoLaunches:
    def __init__(self, containment: Containment, toolchains: Toolchains) -> None:
        self.containment = containment
        self.toolchains = toolchains
        self.layout = BuildLayout(containment.home.path)
        self.fetches = DependencyFetch()

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
        if command.network:
            # cargo add / update reach the registry themselves; started outside the project, they
            # read no project .cargo/config.toml (credential providers, proxies, registries)
            network = policy is None or policy.network is not False
            writable = granted_writes(workspace, policy)
            cwd = NEUTRAL_DIRECTORY if state.active else cwd
        else:
            dirs = await self.build_dirs(invocation, toolchain)
            granted = granted_writes(workspace, policy)
            # a build directory inside what the run may write anyway is not mounted again (cargo
            # clean could not remove a mount point)
            separate = tuple(d for d in dirs.paths if not any(d.is_relative_to(g) for g in granted))
            writable = (*granted, *separate)
            _create_missing(separate)
            mounted_alone = separate
        if may_fetch and (hint := await self.fetch(invocation, toolchain, policy)) is not None:
            notes.append(hint)
        env = self.containment.environment(
            toolchain, network=network, offline=state.active and not network, settings=invocation.env
        )
        confinement = self.containment.confinement(
            toolchain, cwd=cwd, env=env, writable=writable, network=network, policy=policy
        )
        argv = [str(toolchain.cargo), *invocation.args]
        sandboxed = await self.containment.command(confinement, argv)
        return Launch(sandboxed, state, toolchain, notes, fetched=may_fetch, mounted_alone=mounted_alone)

    async def retry_after_fetch(self, invocation: Invocation, launch: Launch, output: str) -> bool:
        """After an offline run failed for want of a download: fetch again (forced) and say whether
        the run is worth repeating."""
        if not launch.fetched or not any(marker in output for marker in OFFLINE_MARKERS):
            return False
        run = self._fetch_runner(invocation, launch.toolchain, None)
        return await self.fetches.ensure(invocation.workspace_root, run, force=True) is None

    async def doomed_directories(self, invocation: Invocation) -> str:
        """What cargo clean will delete, checked (inside the roots, not containing the project)."""
        await self.containment.state()
        toolchain = await self.toolchains.resolve(invocation.toolchain, invocation.cwd)
        dirs = await self.build_dirs(invocation, toolchain)
        return " and ".join(str(path) for path in dirs.paths)

    async def build_dirs(self, project: CargoProject, toolchain: Toolchain) -> BuildDirs:
        """The target and build directories, checked: inside the roots, not containing the project
        or a root (cargo writes there and cargo_clean deletes there)."""

        async def ask_cargo() -> str | None:
            return await self._metadata(project, toolchain)

        dirs = await self.layout.dirs(
            project.cwd, project.workspace_root, toolchain.bin_dir, project.env, ask_cargo
        )
        resolved = _resolved(dirs)
        for kind, path in (("target", resolved.target), ("build", resolved.build)):
            check_build_directory(
                f"the {kind} directory (from {dirs.source})",
                path,
                project.workspace_root,
                self.containment.roots,
            )
        return resolved

    async def fetch(
        self, project: CargoProject, toolchain: Toolchain, policy: ClientPolicy | None
    ) -> str | None:
        """The dependency-fetch step for the project's workspace, when its manifests or lockfile
        changed since the last one; a hint for the model when it failed."""
        run = self._fetch_runner(project, toolchain, policy)
        return await self.fetches.ensure(project.workspace_root, run)

    async def _metadata(self, project: CargoProject, toolchain: Toolchain) -> str | None:
        settings = {name: project.env[name] for name in DIRECTORY_SETTINGS if name in project.env}
        argv = ["metadata", "--no-deps", "--format-version", "1", "--offline", "--manifest-path"]
        ok, output = await self._quiet_run(
            project, toolchain, [*argv, str(project.manifest)], settings, network=False
        )
        return output if ok else None

    def _fetch_runner(
        self, project: CargoProject, toolchain: Toolchain, policy: ClientPolicy | None
    ) -> FetchRun:
        async def run() -> FetchOutcome:
            ok, output = await self._quiet_run(
                project,
                toolchain,
                ["fetch", "--manifest-path", str(project.manifest)],
                {},
                network=True,
                writable=granted_writes(project.workspace_root, policy),
            )
            return FetchOutcome(ok, output)

        return run

    async def _quiet_run(
        self,
        project: CargoProject,
        toolchain: Toolchain,
        args: list[str],
        settings: Mapping[str, str],
        *,
        network: bool,
        writable: tuple[Path, ...] = (),
    ) -> tuple[bool, str]:
        """A helper run of cargo (metadata, fetch) in its own sandbox; (ok, stdout or stderr)."""
        env = self.containment.environment(toolchain, network=network, offline=not network, settings=settings)
        confinement = self.containment.confinement(
            toolchain,
            cwd=NEUTRAL_DIRECTORY if network else project.cwd,
            env=env,
            writable=writable,
            network=network,
            caches_writable=network,
        )
        command = await self.containment.command(confinement, [str(toolchain.cargo), *args])
        stdout: list[str] = []
        try:
            outcome = await run_process(
                RunRequest(
                    argv=command.argv,
                    cwd=command.cwd,
                    env=command.env,
                    timeout_seconds=project.timeout,
                    on_stdout=_collect_into(stdout),
                    on_stderr=lambda line: True,
                    stream_budget=FETCH_BUDGET,
                    pass_fds=command.pass_fds,
                )
            )
        finally:
            command.close()
        if outcome.exit_code == 0:
            return True, "\n".join(stdout)
        return False, outcome.stderr or f"cargo exited with {outcome.exit_code}"


def _collect_into(lines: list[str]) -> Callable[[str], bool]:
    """A line sink keeping every line in `lines` (and none in the runner's budgeted text)."""

    def sink(line: str) -> bool:
        lines.append(line)
        return False

    return sink


def _resolved(dirs: BuildDirs) -> BuildDirs:
    return BuildDirs(dirs.target.resolve(), dirs.build.resolve(), dirs.source)


def _create_missing(paths: tuple[Path, ...]) -> None:
    """Build directories mounted on their own must exist before the sandbox starts."""
    for path in paths:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise Refusal(f"cannot create the build directory {path}: {exc.strerror or exc}") from exc
