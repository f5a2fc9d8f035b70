"""The operator's compiler cache (`cargo-mcp serve --rustc-wrapper sccache`): resolved once at start-up
to an absolute program and a cache directory, passed to every cargo run as RUSTC_WRAPPER (and, for
sccache, SCCACHE_DIR), and, for sccache, read before and after a build to report its hits. A call
can never choose a wrapper: `cargo_env` refuses RUSTC_WRAPPER."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rust_mcp.core.containment import OperatorGrants
from rust_mcp.core.json_nesting import parse_json
from rust_mcp.core.project_files import read_without_links, remove_file

from .capture import capture
from .workflow_models import CacheStats

STATS_TIMEOUT = 30.0
STATS_FILE_BYTES = 1024 * 1024
WORKSPACES_FOLDER = "by-workspace"  # in the operator's cache directory: one cache per workspace


@dataclass(frozen=True)
class CompilerCache:
    wrapper: Path  # absolute, resolved at start-up
    cache_dir: Path | None  # the operator's cache directory; each workspace's cache is a folder in it

    @property
    def is_sccache(self) -> bool:
        return self.wrapper.name.startswith("sccache")

    def grants(self) -> OperatorGrants:
        """What every sandboxed run needs to use the cache: the wrapper (read-only) and its settings.
        The cache directory is not among them: each run gets its own workspace's (see workspace_dir)."""
        return OperatorGrants(
            read_only=(self.wrapper.parent,),
            env=tuple(self.env().items()),
            unix_sockets=True,  # sccache's client waits for its server's start on a unix socket
        )

    def env(self) -> dict[str, str]:
        return {"RUSTC_WRAPPER": str(self.wrapper)}

    def workspace_dir(self, workspace: Path) -> Path:
        """The cache directory of one workspace (its trust domain), created now so it can be mounted:
        a sandbox writes its own workspace's cache and no other, so one workspace's build scripts or
        tests can never change what another workspace's build takes from the cache."""
        base = self.cache_dir or Path.home() / ".cache" / "rust-mcp" / "compiler-cache"
        key = hashlib.sha256(os.fsencode(workspace)).hexdigest()[:16]
        directory = base / WORKSPACES_FOLDER / f"{workspace.name[:40]}-{key}"
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        return directory

    def workspace_env(self, workspace: Path) -> dict[str, str]:
        if not self.is_sccache:
            return {}
        return {"SCCACHE_DIR": str(self.workspace_dir(workspace))}

    async def counters(self, env: Mapping[str, str]) -> dict[str, Any] | None:
        """sccache's statistics now (starting its server if need be), or None when unreadable."""
        if not self.is_sccache:
            return None
        try:
            run = await capture(
                [str(self.wrapper), "--show-stats", "--stats-format", "json"],
                Path("/"),
                {**env, **self.env()},
                STATS_TIMEOUT,
            )
            stats: dict[str, Any] = parse_json(run.stdout)["stats"] if run.ok else {}
        except (ValueError, KeyError, OSError):
            return None
        return stats or None


def take_stats_file(path: Path) -> dict[str, Any] | None:
    """The statistics a sandboxed run left in its build directory (then removed), or None. The
    project's code could have written the file too: only numbers are taken from it."""
    try:
        data = read_without_links(path, STATS_FILE_BYTES)
        remove_file(path)
        stats = parse_json(data or b"")["stats"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return stats if isinstance(stats, dict) else None


def resolve_wrapper(program: str, cache_dir: str | None) -> CompilerCache:
    """`program` as an absolute executable (a name is looked up on PATH); raises ValueError."""
    found = shutil.which(program)
    if found is None:
        hint = " (Debian: apt-get install sccache)" if "sccache" in program else ""
        raise ValueError(f"--rustc-wrapper {program!r} is not an executable on PATH{hint}")
    wrapper = Path(found).resolve()
    directory = cache_dir or os.environ.get("SCCACHE_DIR")
    if directory is None and wrapper.name.startswith("sccache"):
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        directory = str(Path(base) / "sccache")
    return CompilerCache(wrapper, Path(directory).resolve() if directory else None)


def _total(value: Any) -> int:
    """sccache counts hits and misses per language: {"counts": {"Rust": 3}}."""
    if isinstance(value, dict):
        counts = value.get("counts", value)
        return sum(int(v) for v in counts.values() if isinstance(v, int | float))
    return int(value) if isinstance(value, int | float) else 0


def cache_delta(
    cache: CompilerCache, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> CacheStats:
    """What the cache did between two readings."""
    stats = CacheStats(wrapper=str(cache.wrapper))
    if before is None or after is None:
        stats.note = "the cache's statistics could not be read"
        return stats

    def grew(key: str) -> int:
        return max(0, _total(after.get(key)) - _total(before.get(key)))

    stats.compile_requests = grew("compile_requests")
    stats.hits = grew("cache_hits")
    stats.misses = grew("cache_misses")
    stats.not_cacheable = grew("requests_not_cacheable") + grew("non_cacheable_compilations")
    return stats
