"""The dependency-fetch step: the only sandboxed run with the network, and it runs no project code.

Before an offline build, `cargo fetch` downloads what the lockfile needs into cargo's registry (and
writes the lockfile if it must). It starts in a neutral directory, so no project .cargo/config.toml
is read (credential providers, proxies, `net.git-fetch-with-cli`, wrappers): only the operator's
own configuration applies, as a filtered copy (cargo_config.py: its proxies, `[http]` and `[net]`,
but no tokens or credential providers, so a registry that needs a token to download cannot be
fetched from). A workspace is fetched again only when one of its manifests or its
lockfile changed since its last successful fetch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import anyio

from rust_mcp.core.cargo_projects import MANIFEST_NAME, project_files
from rust_mcp.core.file_stamps import FileStamp, file_stamp

LOCKFILE = "Cargo.lock"
FetchRun = Callable[[], Awaitable["FetchOutcome"]]


@dataclass(frozen=True)
class FetchOutcome:
    ok: bool
    output: str  # the tail of cargo's output, for the hint when it failed


def manifest_stamps(workspace: Path) -> dict[str, FileStamp | None]:
    """The stamps of the workspace's lockfile and every Cargo.toml under it."""
    paths = [entry.path for entry in project_files(workspace, lambda name: name == MANIFEST_NAME)]
    paths.append(str(workspace / LOCKFILE))
    return {path: file_stamp(path) for path in paths}


class DependencyFetch:
    """Remembers, per workspace, the stamps at its last successful fetch."""

    def __init__(self) -> None:
        self._fetched: dict[Path, dict[str, FileStamp | None]] = {}
        self._locks: dict[Path, anyio.Lock] = {}

    def needed(self, workspace: Path) -> bool:
        stamps = self._fetched.get(workspace)
        return stamps is None or any(file_stamp(path) != stamp for path, stamp in stamps.items())

    def forget(self, workspace: Path) -> None:
        self._fetched.pop(workspace, None)

    async def ensure(self, workspace: Path, run: FetchRun, *, force: bool = False) -> str | None:
        """Fetch if needed (or `force`d); returns a hint for the model when the fetch failed."""
        if not force and not self.needed(workspace):
            return None
        lock = self._locks.setdefault(workspace, anyio.Lock())
        async with lock:
            if not force and not self.needed(workspace):
                return None  # a concurrent call fetched it meanwhile
            outcome = await run()
            if not outcome.ok:
                self._fetched.pop(workspace, None)
                return (
                    "Downloading the dependencies (`cargo fetch`, the only step with network access) "
                    f"failed, so cargo ran offline: {outcome.output.strip()[-600:]}"
                )
            self._fetched[workspace] = await anyio.to_thread.run_sync(manifest_stamps, workspace)
            return None
