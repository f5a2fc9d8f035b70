"""What the operator set when starting cargo-mcp (its command line, see cli.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rust_mcp.core import budgets
from rust_mcp.core.containment import OperatorGrants
from rust_mcp.core.fetch_hosts import FetchHosts
from rust_mcp.core.full_text import server_log_dir
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.core.sandbox import SandboxMode
from rust_mcp.core.sandbox_limits import LimitChoice

if TYPE_CHECKING:
    from .compiler_cache import CompilerCache


def default_index_cache() -> Path:
    """Where the crates.io sparse index's files are kept between calls (see sparse_index.py)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rust-mcp" / "index"


def default_log_dir() -> Path:
    return server_log_dir("cargo-mcp")


@dataclass(frozen=True)
class CargoSettings:
    roots: AllowedRoots
    default_toolchain: str | None = None
    default_timeout: int = 600
    # seconds: a run still going then goes on in the background (the CLI's default is 50; None waits)
    answer_deadline: float | None = None
    max_timeout: int = 3600
    allowed_env: tuple[str, ...] = ()
    log_dir: Path = field(default_factory=default_log_dir)
    stream_budget: int = budgets.CARGO_STREAM_BUDGET
    max_diagnostics: int = budgets.CARGO_DIAGNOSTICS_PAGE
    keep_logs: int = 300
    confirm_destructive: bool = True
    sandbox: SandboxMode = "auto"
    grants: OperatorGrants = field(default_factory=OperatorGrants)
    limits: LimitChoice = field(default_factory=LimitChoice)  # inside the sandbox (sandbox_limits.py)
    fetch_hosts: FetchHosts = field(default_factory=FetchHosts)  # private addresses a fetch may reach
    index_cache: Path = field(default_factory=default_index_cache)
    compiler_cache: CompilerCache | None = None  # the operator's RUSTC_WRAPPER, never a caller's

    @property
    def sandboxed(self) -> bool:
        """Whether code-running tools are contained (their annotations say so)."""
        return self.sandbox != "off"
