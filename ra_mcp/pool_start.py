"""The rust-analyzer pool a server's sessions share, and rust-analyzer started on the default workspace
ahead of any call (issue 23). Both the session's runtime (tool_set.py) and the start before the MCP
SDK is imported (early_start.py) make their pool here, so both reach the same pool entry and only
one rust-analyzer runs. Imports nothing of MCP, and pygls only when a start ahead is sure to start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import anyio

from rust_mcp.core.cargo_setup_runs import CargoHelpers
from rust_mcp.core.client_policy import ClientPolicy
from rust_mcp.core.containment import Containment, cargo_home
from rust_mcp.core.errors import Refusal
from rust_mcp.core.roots import AllowedRoots, ReadScope
from rust_mcp.core.sandbox import Sandbox
from rust_mcp.core.toolchains import Toolchains
from rust_mcp.core.workspace_discovery import discover_project

from .lsp.discovery import Analyzer
from .settings import AnalyzerSettings
from .workspace.pool import WorkspacePool
from .workspace.sandbox import AnalyzerSandbox

logger = logging.getLogger(__name__)
StdWarning = Callable[[str | None], None]

# what a start ahead of every call runs under: no client has sent its policy yet, so the strictest
# (no network, so no dependency fetch; no build directory a read-only client would refuse)
AHEAD = ClientPolicy("no client policy yet: started read-only, without network", writable=(), network=False)
HOW_TO_PICK = (  # how a call names its workspace, said when none or several are found
    'pass `workspace` (e.g. workspace="{example}"), or call rust_analyzer_set_workspace with it once'
)


def cargo_helpers(settings: AnalyzerSettings) -> CargoHelpers:
    """The containment and toolchains of a server with `settings` (they cache the sandbox probe and
    rustup's answers, so a pool made with them starts rust-analyzer sooner once they are warm)."""
    containment = Containment(
        Sandbox(settings.sandbox), settings.roots, limits=settings.limits, fetch_hosts=settings.fetch_hosts
    )
    return CargoHelpers(containment, Toolchains(settings.default_toolchain))


def pool_maker(
    settings: AnalyzerSettings, analyzer: Analyzer, cargo: CargoHelpers
) -> Callable[[StdWarning], WorkspacePool]:
    """How the pool of a server with `settings` is made (shared_pools.join calls it when no session
    holds the pool of its key). Every rust-analyzer starts in the sandbox, from a real binary, after
    the dependency-fetch step."""

    def make_pool(record_std_warning: StdWarning) -> WorkspacePool:
        launcher = AnalyzerSandbox(cargo, analyzer, record_std_warning)
        scope = ReadScope.for_roots(settings.roots, cargo.containment.home.path)
        pool = WorkspacePool(settings.roots, analyzer, {}, settings.pool, launcher.command, scope)
        pool.admit = launcher.admit
        return pool

    return make_pool


async def warm(cargo: CargoHelpers, project: Path) -> None:
    """Ask, ahead, what the launcher asks first (the sandbox probe, the toolchain `project` uses:
    rustup's default, its list, the toolchain's bin directory), while rust-analyzer is being found.
    Only the caches are filled: whatever fails is asked, and reported, again by the launcher."""
    try:
        await cargo.containment.state()
        await cargo.toolchains.resolve(None, project)
    except Exception as exc:
        logger.info("nothing warmed ahead for %s: %s", project, exc)


def fetched_locally(root: Path, home: Path) -> bool:
    """Whether every dependency in `root`'s Cargo.lock is already unpacked in the cargo home (so
    starting without the dependency-fetch step loads what a start after it would). No lockfile, one
    the one reader refuses (lockfile.locked_packages), a git or unknown source, or a missing
    package: False."""
    from rust_mcp.core.lockfile import locked_packages

    try:
        packages = locked_packages(root / "Cargo.lock")
    except (OSError, Refusal):
        return False
    if packages is None:
        return False
    unpacked = {entry.name for index in (home / "registry" / "src").glob("*") for entry in index.glob("*")}
    for package in packages:
        if package.source is None:
            continue  # a path package of the workspace
        if not package.source.startswith(("registry+", "sparse+")):
            return False
        if f"{package.name}-{package.version}" not in unpacked:
            return False
    return True


async def workspace_root(start: Path, roots: AllowedRoots, pool: WorkspacePool) -> tuple[Path, str | None]:
    """The workspace root a call starting at `start` works in, and the note saying it was found below
    `start` (None when `start` was it): for a file, the project it is in; for a directory no
    Cargo.toml governs (a repository root, as models pass their working directory), the one Cargo
    workspace below it. A Refusal when there is none or several. The one choice of the workspace:
    tools/mcp_adapter's resolve_workspace and default_root (the start ahead) both make it here, so a
    call without `workspace` reaches the pool entry started ahead and no second rust-analyzer starts."""
    if not start.is_dir():  # noqa: ASYNC240 -- one stat, as root_for makes its own on the loop
        return await pool.root_for(start), None
    directory, found = await discover_project(start, roots, HOW_TO_PICK)
    return await pool.root_for(directory), found


async def default_root(roots: AllowedRoots, pool: WorkspacePool) -> Path:
    """The workspace a call without `workspace` uses in a new session (no connection default yet):
    workspace_root of the first root."""
    root, _ = await workspace_root(roots.default, roots, pool)
    return root


async def start_ahead(pool: WorkspacePool, root: Path) -> None:
    """rust-analyzer started on `root` under AHEAD, the pool entry a call without `workspace` gets
    (same root, no toolchain asked), so that call joins this start rather than starting another;
    only where the dependencies are already fetched: a client's policy arrives with its calls, and
    this start must do nothing the strictest would refuse (a read-only Codex session's first call is
    refused as before, with no fetch and no build directory made). A Refusal when the launcher
    refuses it (a build directory AHEAD may not write, a toolchain)."""
    if not await anyio.to_thread.run_sync(fetched_locally, root, cargo_home()):
        logger.info("no rust-analyzer started ahead on %s: its dependencies are not all fetched", root)
        return
    await anyio.to_thread.run_sync(_client_modules)  # off the loop that answers the client
    await pool.get(root, policy=lambda: AHEAD)


def _client_modules() -> None:
    """The LSP client's modules (pygls, lsprotocol: ~0.4 s), imported in a worker thread before the
    pool's start, which would otherwise import them on the event loop."""
    import ra_mcp.lsp.client  # noqa: F401
