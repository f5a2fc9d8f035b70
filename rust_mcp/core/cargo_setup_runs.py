"""cargo's helper runs that both servers need before project code runs: where a workspace builds
(its target and build directories, asked of cargo and checked against the roots) and the
dependency-fetch step (the only run with the network, which runs no project code). Each runs cargo
in a sandbox of its own."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

import anyio

from .build_dirs import check_build_directory
from .build_layout import DIRECTORY_SETTINGS, BuildDirs, BuildLayout, setting_origin
from .client_policy import ClientPolicy
from .containment import Containment, granted_writes
from .dependency_fetch import DependencyFetch, FetchOutcome, FetchRun
from .fetch_hosts import check_fetch_hosts
from .lockfile import LOCKFILE_PATH_ENV, lockfile_settings
from .runner import RunRequest, run_process
from .toolchains import Toolchain, Toolchains

NEUTRAL_DIRECTORY = Path("/")
FETCH_BUDGET = 4_000


class CargoProject(Protocol):
    """What a helper run needs to know of a project: a cargo call, or the workspace rust-analyzer
    loads."""

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


class CargoHelpers:
    """The toolchains, the containment and the helper runs, shared by every call of a server."""

    def __init__(self, containment: Containment, toolchains: Toolchains) -> None:
        self.containment = containment
        self.toolchains = toolchains
        self.layout = BuildLayout(containment.home.path)
        self.fetches = DependencyFetch()

    async def build_dirs(
        self, project: CargoProject, toolchain: Toolchain, policy: ClientPolicy | None = None
    ) -> BuildDirs:
        """The target and build directories, checked as build directories (see build_dirs.py): no
        link on the way, inside the roots, not another package's folder, within the client's policy."""

        async def ask_cargo() -> str | None:
            return await self._metadata(project, toolchain)

        dirs = await self.layout.dirs(
            project.cwd, project.workspace_root, toolchain.bin_dir, project.env, ask_cargo
        )
        # it lists folders and reads config files: off the event loop, in one go
        return await anyio.to_thread.run_sync(self._checked, dirs, project, policy)

    def _checked(self, dirs: BuildDirs, project: CargoProject, policy: ClientPolicy | None) -> BuildDirs:
        checked: dict[Path, Path] = {}
        origins: list[str] = []
        for kind, path in (("target", dirs.target), ("build", dirs.build)):
            if path in checked:  # the build directory is the target directory (cargo's default)
                continue
            origin, fix = setting_origin(
                kind, path, project.cwd, project.workspace_root, project.env, self.containment.home.path
            )
            checked[path] = check_build_directory(
                path,
                label=f"the {kind} directory",
                origin=origin,
                fix=fix,
                workspace=project.workspace_root,
                roots=self.containment.roots,
                policy=policy,
            )
            origins.append(origin)
        return BuildDirs(checked[dirs.target], checked[dirs.build], origins[0])

    async def fetch(
        self, project: CargoProject, toolchain: Toolchain, policy: ClientPolicy | None, *, force: bool = False
    ) -> str | None:
        """The dependency-fetch step for the project's workspace, when its manifests or lockfile
        changed since the last one (or `force`); a hint for the model when it failed."""
        run = self._fetch_runner(project, toolchain, policy)
        return await self.fetches.ensure(project.workspace_root, run, force=force)

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
        # a read-only tool's fetch resolves into its private lockfile, never the project's own
        settings = lockfile_settings(project.env)
        private = settings.get(LOCKFILE_PATH_ENV)
        extra = (Path(private).parent,) if private else ()

        async def run() -> FetchOutcome:
            hosts = self.containment.fetch_hosts
            refused = await check_fetch_hosts(project.workspace_root, self.containment.roots, hosts)
            if refused is not None:
                return FetchOutcome(False, refused)
            ok, output = await self._quiet_run(
                project,
                toolchain,
                ["fetch", "--manifest-path", str(project.manifest)],
                settings,
                network=True,
                writable=granted_writes(project.workspace_root, policy) + extra,
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
            request = RunRequest.sandboxed(
                command, project.timeout, _collect_into(stdout), lambda line: True, stream_budget=FETCH_BUDGET
            )
            outcome = await run_process(request)
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
