"""The clippy run the unsafe audit needs, and nothing more: `cargo clippy --message-format=json` with
chosen lints, in the sandbox like every run of project code, through the shared process runner, its
compiler messages read by the shared parser. (rust-analyzer-mcp does not build cargo-mcp's service:
no logs, no answer shaping.)"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rust_mcp.core.build_dirs import check_build_directory, create_build_directory
from rust_mcp.core.cargo_helpers import CargoHelpers
from rust_mcp.core.client_policy import current_client_policy
from rust_mcp.core.compiler_messages import CompilerMessages, Diagnostic, DiagnosticCounts
from rust_mcp.core.roots import find_manifest, find_workspace_root
from rust_mcp.core.runner import RunRequest, run_process

JSON_MESSAGES = "--message-format=json-diagnostic-rendered-ansi"
CLIPPY_TIMEOUT_SECONDS = 600.0


@dataclass(frozen=True)
class ClippyRun:
    diagnostics: list[Diagnostic]  # every finding, errors first
    counts: DiagnosticCounts
    exit_code: int | None  # None when it was stopped at the timeout
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def summary(self) -> str:
        ended = "timed out" if self.exit_code is None else f"failed (exit {self.exit_code})"
        errors, warnings = _plural(self.counts.errors, "error"), _plural(self.counts.warnings, "warning")
        return f"cargo clippy {ended} in {self.duration_ms / 1000:.2f} s — {errors}, {warnings}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class _ClippyProject:
    """The package or workspace clippy runs on, in the terms cargo's helper runs take."""

    cwd: Path
    manifest: Path
    workspace_root: Path
    env: Mapping[str, str]
    timeout: float = CLIPPY_TIMEOUT_SECONDS


def own_build_directory(cargo: CargoHelpers, workspace_root: Path, relative: str) -> Path:
    """A build directory the server chooses inside the workspace (`relative` to it), checked like
    every writable mount (no link on the way, within the client's policy) and created."""
    checked = check_build_directory(
        workspace_root / relative,
        label="the unsafe audit's build directory",
        origin="the server's choice",
        fix=f"remove the symbolic link on the way to {workspace_root / relative} (the server makes it)",
        workspace=workspace_root,
        roots=cargo.containment.roots,
        policy=current_client_policy.get(),
    )
    create_build_directory(checked)
    return checked


async def run_clippy(
    directory: Path,
    cargo: CargoHelpers,
    warn: Sequence[str],
    target_dir: str,
    extra_settings: Mapping[str, str] | None = None,
) -> ClippyRun:
    """Lint every target of the package or workspace at `directory` with the `warn` lints on, building
    into `target_dir` (relative to the workspace root, never a `target/` inside a member) so no other
    build waits for it or is disturbed. Every finding is kept. It runs in the sandbox: no network,
    writing only to that target directory."""
    manifest = find_manifest(directory, cargo.containment.roots)
    workspace_root = find_workspace_root(manifest, cargo.containment.roots)
    messages = CompilerMessages(workspace_root)
    lints = [arg for lint in warn for arg in ("-W", lint)]
    target = own_build_directory(cargo, workspace_root, target_dir)
    settings = {"CARGO_TERM_COLOR": "never", "CARGO_TARGET_DIR": str(target), **(extra_settings or {})}
    project = _ClippyProject(manifest.parent, manifest, workspace_root, settings)
    state = await cargo.containment.state()
    toolchain = await cargo.toolchains.resolve(None, manifest.parent)
    policy = current_client_policy.get()
    if state.active and (policy is None or policy.network is not False):
        await cargo.fetch(project, toolchain, policy)
    env = cargo.containment.environment(toolchain, network=False, offline=state.active, settings=settings)
    confinement = cargo.containment.confinement(
        toolchain, cwd=manifest.parent, env=env, writable=(target,), policy=policy
    )

    def read_stdout(line: str) -> bool:
        messages.feed(line)
        return False  # no text is kept: the parsed messages are the answer

    options = ["--manifest-path", str(manifest), JSON_MESSAGES, "--all-targets"]
    command = await cargo.containment.command(
        confinement, [str(toolchain.cargo), "clippy", *options, "--", *lints]
    )
    request = RunRequest(
        argv=command.argv,
        cwd=command.cwd,
        env=command.env,
        timeout_seconds=CLIPPY_TIMEOUT_SECONDS,
        on_stdout=read_stdout,
        on_stderr=lambda line: False,
        pass_fds=command.pass_fds,
        contained=command.contained,
    )
    try:
        outcome = await run_process(request)
    finally:
        command.close()
    return ClippyRun(messages.ranked(), messages.counts, outcome.exit_code, outcome.duration_ms)
