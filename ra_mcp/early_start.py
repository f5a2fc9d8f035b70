"""rust-analyzer started before the MCP SDK is imported (issue 23, the very first session).

A stdio rust-analyzer-mcp that starts rust-analyzer ahead of any call (the default; not with
--start-on-call) runs its event loop from the start: rust-analyzer is found, sandboxed and started
on the default workspace there, while the MCP SDK is imported and the server built in a worker
thread (about a second of a fresh process). The start is the one the session's lifespan makes
(tool_set.start_default_workspace) moved earlier, with the same rules: the same pool entry (the
pool of the same settings' key, in shared_pools.REGISTRY, the root a call without `workspace`
gets), so the session joins it and only one rust-analyzer runs; the strictest policy (AHEAD), as no
client has said its policy yet; and only where Cargo.lock's packages are all unpacked
(pool_start.start_ahead). This module imports nothing of MCP; the server is built by the command
line's `build` (cli.built).

The pool is held for the start until serving ends, then left: the session's own leaving finds it
held, and this closes it (and every rust-analyzer in it) as the session's leaving did before. A
client that leaves while rust-analyzer starts stops the start first (its rust-analyzer killed).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio

from rust_mcp.core.errors import Refusal

from .lsp import discovery_ahead
from .pool_start import cargo_helpers, default_root, pool_maker, start_ahead, warm
from .settings import AnalyzerSettings
from .workspace import shared_pools
from .workspace.pool import WorkspacePool
from .workspace.pool_key import pool_key

logger = logging.getLogger(__name__)
Build = Callable[[AnalyzerSettings], tuple[Any, Any]]  # settings -> (MCP server, connection memory)


@dataclass(eq=False)
class EarlyHolder:
    """What holds the pool for the start before the session joins (a shared_pools.PoolUser)."""

    pool: WorkspacePool
    std_warning: str | None = None


class EarlyStart:
    """rust-analyzer on the default workspace, started under AHEAD before the session exists."""

    def __init__(self, settings: AnalyzerSettings) -> None:
        self.settings = settings
        self.holder: EarlyHolder | None = None

    async def run(self) -> None:
        """Find rust-analyzer, join the pool of the settings' key and start it on the default
        workspace; whatever refuses or fails is left for the session's own start (and its first
        call) to meet and report."""
        settings = self.settings
        cargo = cargo_helpers(settings)
        async with anyio.create_task_group() as group:  # the launcher's first questions, meanwhile
            group.start_soon(warm, cargo, settings.roots.default)
            found = await anyio.to_thread.run_sync(discovery_ahead.found, settings.rust_analyzer)
        analyzer, std_warning = found
        if isinstance(analyzer, str):  # none to run: the session says so at its first call
            return
        make_pool = pool_maker(settings, analyzer, cargo)
        self.holder = shared_pools.REGISTRY.join(
            pool_key(settings, analyzer), make_pool, lambda pool: EarlyHolder(pool, std_warning)
        )
        pool = self.holder.pool
        try:
            await start_ahead(pool, await default_root(settings.roots, pool))
        except Refusal as exc:  # no Cargo workspace at the default root, several below it, a toolchain
            logger.info("no rust-analyzer started early on %s: %s", settings.roots.default, exc)
        except Exception as exc:  # the session's start tries again and its first call says why
            logger.warning("rust-analyzer did not start early on %s: %s", settings.roots.default, exc)

    async def leave(self) -> None:
        """Let go of the pool: closed (its rust-analyzers stopped) unless a session still holds it."""
        if self.holder is not None:
            holder, self.holder = self.holder, None
            await shared_pools.REGISTRY.leave(holder)


def serve_starting_ahead(settings: AnalyzerSettings, args: argparse.Namespace, build: Build) -> None:
    """Serve one client over stdio, rust-analyzer started before the MCP SDK is imported."""
    from rust_mcp.mcp.transports import before_serving

    before_serving(args)
    anyio.run(_serve, settings, build)


def _built(settings: AnalyzerSettings, build: Build) -> tuple[Any, Any]:
    """In a worker thread: the MCP SDK and the server. The LSP client's modules (~0.4 s of
    lsprotocol) are imported by the start itself, only once it knows it starts rust-analyzer
    (pool_start.start_ahead): a start that does not happen costs the answer to tools/list nothing."""
    return build(settings)


async def _serve(settings: AnalyzerSettings, build: Build) -> None:
    early = EarlyStart(settings)
    async with anyio.create_task_group() as group:
        group.start_soon(early.run)
        try:
            server, memory = await anyio.to_thread.run_sync(_built, settings, build)
            from rust_mcp.mcp.transports import serve_stdio

            await serve_stdio(server, memory)
        finally:
            group.cancel_scope.cancel()  # a start still under way stops (its rust-analyzer killed)
            with anyio.CancelScope(shield=True):
                await early.leave()
