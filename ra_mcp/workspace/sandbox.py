"""rust-analyzer in the sandbox. It runs project code: build scripts and proc macros while it loads a
workspace (through its proc-macro server) and cargo check for diagnostics (flycheck), so each
workspace's rust-analyzer starts inside one sandbox that holds all of them.

rust-analyzer outlives any one call, so its sandbox is always the strict one, whatever a client's
policy: the workspace and the roots read-only, only the workspace's checked build directories
writable (the ones cargo_check uses: one set of artifacts where the flags agree), no network. It is
started from a real binary with the workspace's toolchain (never a rustup proxy), after the
dependency-fetch step, which is skipped when the call that starts it comes from a client whose
sandbox has no network.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rust_mcp.core.build_dirs import create_build_directory
from rust_mcp.core.cargo_projects import MANIFEST_NAME
from rust_mcp.core.cargo_setup_runs import CargoHelpers
from rust_mcp.core.client_policy import ClientPolicy
from rust_mcp.core.lockfile import private_lock_env
from rust_mcp.core.project_files import off_loop
from rust_mcp.core.sandbox import SandboxedCommand
from rust_mcp.core.toolchain_files import find_toolchain_file
from rust_mcp.core.toolchains import Toolchain, ToolchainRefused

from ..lsp.discovery import Analyzer, std_sources_env
from ..lsp.proc_macro_watch import PROXY, SERVER_ENV
from .check_copies import TEE, TEE_SCRIPT, private_directory, tee_environment, tee_usable

OWN_LOCK = "rust-analyzer"  # <target>/rust-analyzer holds its private Cargo.lock (nothing is built there)
FETCH_TIMEOUT = 600.0
PROXY_PYTHON = "/usr/bin/python3"  # the proxy's interpreter (its first line): inside the sandbox's /usr


@dataclass(frozen=True)
class AnalyzerProject:
    """A workspace rust-analyzer loads, in the terms cargo's helper runs take."""

    workspace_root: Path
    env: Mapping[str, str] = field(default_factory=dict)
    timeout: float = FETCH_TIMEOUT

    @property
    def cwd(self) -> Path:
        return self.workspace_root

    @property
    def manifest(self) -> Path:
        return self.workspace_root / MANIFEST_NAME


def watched_proc_macro_server(sysroot: Path) -> dict[str, str]:
    """The real proc-macro server for the proxy rust-analyzer starts instead (proc_macro_watch.py):
    the toolchain's, which rust-analyzer would start itself. None found, or no system Python to run
    the proxy: rust-analyzer starts its own, unwatched."""
    server = sysroot / "libexec" / "rust-analyzer-proc-macro-srv"
    if not (server.is_file() and os.access(PROXY, os.X_OK) and Path(PROXY_PYTHON).is_file()):
        return {}
    return {SERVER_ENV: str(server)}


class AnalyzerSandbox:
    """Builds the command that starts rust-analyzer for one workspace."""

    def __init__(
        self,
        cargo: CargoHelpers,
        analyzer: Analyzer,
        on_std_warning: Callable[[str | None], None] = lambda warning: None,
    ) -> None:
        self.cargo = cargo
        self.analyzer = analyzer
        self.on_std_warning = on_std_warning

    async def command(
        self, root: Path, requested: str | None = None, policy: ClientPolicy | None = None
    ) -> SandboxedCommand:
        """The sandboxed command starting rust-analyzer on `root` with the `requested` toolchain (None:
        the server's --default-toolchain, else the project's rust-toolchain.toml, else rustup's), under
        the calling client's own sandbox `policy`."""
        containment = self.cargo.containment
        state = await containment.state()
        toolchain = await self._toolchain(root, requested)
        dirs = await self.cargo.build_dirs(AnalyzerProject(root), toolchain, policy)
        own = dirs.target / OWN_LOCK
        for directory in (*dirs.paths, own):
            await off_loop(create_build_directory, directory, what=f"creating {directory}")
        # its cargo runs never rewrite the project's Cargo.lock
        lock = await off_loop(private_lock_env, root, own, what="copying Cargo.lock")
        project = AnalyzerProject(root, lock)
        if state.active and (policy is None or policy.network is not False):
            await self.cargo.fetch(project, toolchain, None)  # a failure shows in its diagnostics
        std_env, warning = std_sources_env(toolchain.std_sources())
        self.on_std_warning(warning)
        # its check's output is also copied to a private directory of ours (check_copies.py)
        copies = [await off_loop(private_directory, what="creating a directory")] if tee_usable() else []
        settings = {
            **watched_proc_macro_server(toolchain.sysroot),
            "CARGO": str(toolchain.cargo),
            "RUSTC": str(toolchain.rustc),
            **std_env,
            **lock,
            **(tee_environment(toolchain.cargo, copies[0]) if copies else {}),
        }
        env = containment.environment(toolchain, network=False, offline=state.active, settings=settings)
        system = [Path(self.analyzer.path).parent, PROXY, *([TEE, TEE_SCRIPT] if copies else [])]
        if "RUST_SRC_PATH" in std_env:
            system.append(Path(std_env["RUST_SRC_PATH"]))
        confinement = containment.confinement(
            toolchain,
            cwd=root,
            env=env,
            writable=dirs.paths,
            system=system,
            system_writable=copies,
            kind="analyzer",
        )
        return await containment.command(confinement, [self.analyzer.path])

    async def admit(
        self, root: Path, requested: str | None = None, policy: ClientPolicy | None = None
    ) -> None:
        """A Refusal when the calling session's client policy would not let `command` start
        rust-analyzer on `root`: the build directories it writes, checked under that policy."""
        toolchain = await self._toolchain(root, requested)
        await self.cargo.build_dirs(AnalyzerProject(root), toolchain, policy)

    async def _toolchain(self, root: Path, requested: str | None) -> Toolchain:
        """The toolchain resolved, or a refusal naming both fixes: install it, or have this server use
        another one."""
        try:
            return await self.cargo.toolchains.resolve(requested, root)
        except ToolchainRefused as exc:
            if requested is not None:
                raise
            pinned = find_toolchain_file(root) if self.cargo.toolchains.default is None else None
            origin = f"{pinned.path} pins {pinned.channel!r}. " if pinned and pinned.channel else ""
            raise ToolchainRefused(
                f"{exc} {origin}To run rust-analyzer with another toolchain, pass toolchain= to "
                'rust_analyzer_set_workspace (e.g. toolchain="stable"), or start rust-analyzer-mcp with '
                "--default-toolchain NAME (or RUST_ANALYZER_MCP_DEFAULT_TOOLCHAIN=NAME)."
            ) from exc
