"""What the operator set when starting rust-analyzer-mcp (its command line, see cli.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rust_mcp.core.fetch_hosts import FetchHosts
from rust_mcp.core.full_text import server_log_dir
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.core.sandbox import SandboxMode
from rust_mcp.core.sandbox_limits import LimitChoice


@dataclass
class PoolSettings:
    max_workspaces: int = 3
    idle_seconds: float = 1800.0
    ready_seconds: float = 45.0
    proc_macro_seconds: float = 60.0  # one proc-macro expansion, before it is stopped and ignored
    flycheck_seconds: float = (
        300.0  # rust-analyzer's cargo check with no call waiting, before it is cancelled
    )


@dataclass(frozen=True)
class AnalyzerSettings:
    roots: AllowedRoots
    rust_analyzer: str | None = None
    default_toolchain: str | None = None  # over a project's rust-toolchain.toml; a call's own wins
    pool: PoolSettings = field(default_factory=PoolSettings)
    check_timeout: int = 300
    answer_deadline: float = 240.0  # under the client's tool timeout (the CLI's default is 50 s)
    confirm_writes: bool = True
    # rust-analyzer started on the default workspace when a session starts, not at its first call
    # (server.py); the command line sets it unless --start-on-call, servers built in code opt in
    start_ahead: bool = False
    sandbox: SandboxMode = "auto"
    limits: LimitChoice = field(default_factory=LimitChoice)  # inside the sandbox (sandbox_limits.py)
    fetch_hosts: FetchHosts = field(default_factory=FetchHosts)  # private addresses a fetch may reach
    log_dir: Path = field(default_factory=lambda: server_log_dir("rust-analyzer-mcp"))  # full diffs

    @property
    def sandboxed(self) -> bool:
        """Whether code-running tools are contained (their annotations say so)."""
        return self.sandbox != "off"

    @property
    def tool_defaults(self) -> dict[str, int]:
        """Parameter defaults the operator's settings set, listed in the tools' schemas."""
        return {"check_timeout_secs": self.check_timeout}
