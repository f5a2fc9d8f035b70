"""What decides whether two sessions may share rust-analyzers: everything a rust-analyzer's launch
and answers depend on. Two servers in one process share a pool only when their keys are equal;
anything that differs (roots, hence the sandbox's mounts and the read scope; the binary; the
sandbox mode, limits and fetch allowance; the default toolchain; the pool settings; the environment
cargo and rustup read) gives each its own."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rust_mcp.core.shared_runs import relevant_env

from ..lsp.discovery import Analyzer
from ..settings import AnalyzerSettings


@dataclass(frozen=True)
class PoolKey:
    roots: tuple[Path, ...]  # the read scope and the sandbox's mounts are made from them
    analyzer: tuple[str, str]  # path and version of the rust-analyzer binary
    sandbox: str
    limits: str
    fetch_hosts: str
    default_toolchain: str | None
    pool: tuple[object, ...]  # the pool settings (limits, timeouts)
    env: tuple[tuple[str, str], ...]

    def describe(self) -> str:
        """One line for the engine's status: what this pool serves."""
        toolchain = f", default toolchain {self.default_toolchain}" if self.default_toolchain else ""
        roots = ", ".join(str(root) for root in self.roots)
        return f"roots {roots}; sandbox {self.sandbox}{toolchain}; {self.analyzer[0]} {self.analyzer[1]}"


def pool_key(settings: AnalyzerSettings, analyzer: Analyzer, env: Mapping[str, str] | None = None) -> PoolKey:
    """The key of the pool a server with these settings uses (`env`: the process environment)."""
    return PoolKey(
        roots=settings.roots.paths,
        analyzer=(analyzer.path, analyzer.version),
        sandbox=settings.sandbox,
        limits=repr(settings.limits),
        fetch_hosts=repr(settings.fetch_hosts),
        default_toolchain=settings.default_toolchain,
        pool=dataclasses.astuple(settings.pool),
        env=relevant_env(os.environ if env is None else env),
    )
