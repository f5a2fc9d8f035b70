"""The clippy run the unsafe audit needs, and nothing more: `cargo clippy --keep-going
--message-format=json` with chosen lints, in the sandbox like every run of project code, through the
shared process runner, its compiler messages read by the shared parser. (rust-analyzer-mcp does not
build cargo-mcp's service: no logs, no answer shaping.) `--keep-going` lints every crate that can be
built even when one fails (a deny-level lint, a compile error); which crates failed to build and which
were not checked is kept, so an answer never passes partial findings off as complete."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import anyio

from rust_mcp.core.budgets import ProgressCallback
from rust_mcp.core.build_dirs import create_build_directory
from rust_mcp.core.cargo_projects import (
    MANIFEST_NAME,
    find_workspace_root,
    manifest_and_root,
    package_directories,
)
from rust_mcp.core.cargo_setup_runs import CargoHelpers
from rust_mcp.core.client_policy import ClientPolicy
from rust_mcp.core.compiler_messages import CompilerMessages, Diagnostic, DiagnosticCounts
from rust_mcp.core.json_nesting import parse_json
from rust_mcp.core.lockfile import private_lock_env
from rust_mcp.core.project_files import off_loop
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.core.runner import RunRequest, run_process
from rust_mcp.core.sandbox import Confinement
from rust_mcp.core.shared_runs import SharedRuns, StillRunning, relevant_env
from rust_mcp.core.tree_state import tree_state

JSON_MESSAGES = "--message-format=json-diagnostic-rendered-ansi"
CLIPPY_TIMEOUT_SECONDS = 600.0
COULD_NOT_COMPILE = re.compile(r"^error: could not compile `([^`]+)`(?: \(([^)]*)\))?")
NOT_A_LINT = re.compile(r"E\d{4}")  # rustc's own error codes; a lint's code is its name
KEPT_STDERR_LINES = 5
RUNS: SharedRuns[ClippyRun] = SharedRuns()  # the audits' clippy runs, shared in the process
AUDIT_LOCK_DIR = "rust-mcp-audit"  # <target>/rust-mcp-audit holds the audit's private Cargo.lock


@dataclass
class ClippyCoverage:
    """Which crates clippy linted: read from cargo's JSON (artifacts and errors per package) and its
    stderr ("could not compile `x` (lib)")."""

    members: tuple[tuple[str, Path], ...]  # the workspace packages in scope: name, directory
    linted: set[Path] = field(default_factory=set)  # packages with at least one target checked
    compile_errors: set[Path] = field(default_factory=set)  # packages with a non-lint error
    failed: list[str] = field(default_factory=list)  # "name (target)" as cargo said it
    stderr_tail: list[str] = field(default_factory=list)

    def feed(self, line: str) -> None:
        """A stdout line: a compiler-artifact marks its package linted; an error that is not a lint
        (rustc's E-codes, or no code) marks its package as one that failed to build."""
        if not line.startswith('{"reason":'):
            return
        try:
            payload = parse_json(line)
        except ValueError:
            return
        manifest = payload.get("manifest_path")
        if not isinstance(manifest, str):
            return
        directory = Path(manifest).parent
        if payload.get("reason") == "compiler-artifact":
            self.linted.add(directory)
            return
        message = payload.get("message") or {}
        code = message.get("code")
        name = code.get("code") if isinstance(code, dict) else None
        is_error = str(message.get("level", "")).startswith("error") and message.get("spans")
        if is_error and (name is None or NOT_A_LINT.fullmatch(str(name))):
            self.compile_errors.add(directory)

    def feed_stderr(self, line: str) -> None:
        text = line.strip()
        if match := COULD_NOT_COMPILE.match(text):
            self.failed.append(f"{match[1]} ({match[2]})" if match[2] else match[1])
        elif text.startswith("error"):
            self.stderr_tail = [*self.stderr_tail, text][-KEPT_STDERR_LINES:]

    def gaps(self) -> str | None:
        """What was not linted: crates that did not build (compile errors: their lints did not run)
        and crates not checked (they need one that failed). A crate stopped only by deny-level lints
        was linted whole: it is named, but the findings are complete for it."""
        broken = sorted(name for name, directory in self.members if directory in self.compile_errors)
        unchecked = sorted(
            name
            for name, directory in self.members
            if directory not in self.linted
            and directory not in self.compile_errors
            and not any(entry.split(" (")[0] == name for entry in self.failed)
        )
        parts = []
        if broken:
            parts.append(f"failed to build (lints did not run): {', '.join(broken)}")
        if unchecked:
            why = " (they need a crate that failed)" if self.failed else ""
            parts.append(f"not checked: {', '.join(unchecked)}{why}")
        if not parts:
            return None
        denied = sorted({entry for entry in self.failed if entry.split(" (")[0] not in broken})
        if denied:
            parts.append(f"stopped by deny-level lints (findings complete): {', '.join(denied)}")
        return "; ".join(parts)


@dataclass(frozen=True)
class ClippyRun:
    diagnostics: list[Diagnostic]  # every finding, errors first
    counts: DiagnosticCounts
    exit_code: int | None  # None when it was stopped at the timeout
    duration_ms: int
    coverage: ClippyCoverage = field(default_factory=lambda: ClippyCoverage(()))

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def partial(self) -> str | None:
        """Why the findings are not every finding of every crate in scope, or None when they are."""
        stopped = None
        if self.exit_code is None:
            stopped = f"clippy was stopped after {CLIPPY_TIMEOUT_SECONDS:.0f} s"
        elif not self.ok and not self.coverage.failed:  # it failed before compiling anything of ours
            stopped = "clippy failed: " + (" / ".join(self.coverage.stderr_tail) or f"exit {self.exit_code}")
        parts = [part for part in (stopped, self.coverage.gaps()) if part]
        return "; ".join(parts) or None


@dataclass(frozen=True)
class _ClippyProject:
    """The package or workspace clippy runs on, in the terms cargo's helper runs take."""

    cwd: Path
    manifest: Path
    workspace_root: Path
    env: Mapping[str, str]
    timeout: float = CLIPPY_TIMEOUT_SECONDS


async def run_clippy(
    directory: Path,
    cargo: CargoHelpers,
    warn: Sequence[str],
    policy: ClientPolicy | None,
    lock_dir: str = AUDIT_LOCK_DIR,
    answer_by: float | None = None,
) -> ClippyRun | StillRunning:
    """Lint every target of the package or workspace at `directory` with the `warn` lints on, in the
    workspace's own build directories (the ones cargo_check and rust-analyzer's check use, checked
    like every writable mount): with the same flags as rust-analyzer's check (`--workspace
    --all-targets --keep-going`), every dependency is already built there and only the members are
    linted. Cargo.lock is left alone: cargo resolves into a private copy in `<target>/lock_dir`.
    Every finding is kept. It runs in the sandbox: no network, writing only to those directories (and
    only where the calling client's own sandbox `policy` lets its agent write). With `answer_by`
    (seconds), a run still going then is left going (the next identical call joins it or takes its
    result): StillRunning."""
    manifest, workspace_root = await off_loop(
        manifest_and_root,
        directory,
        cargo.containment.roots,
        deadline=answer_by,
        what=f"finding the workspace of {directory}",
    )
    lints = [arg for lint in warn for arg in ("-W", lint)]
    toolchain = await cargo.toolchains.resolve(None, manifest.parent)
    asked = _ClippyProject(manifest.parent, manifest, workspace_root, {})
    dirs = await cargo.build_dirs(asked, toolchain, policy)
    lock_directory = dirs.target / lock_dir

    def prepare() -> dict[str, str]:
        for made in (*dirs.paths, lock_directory):
            create_build_directory(made)
        return private_lock_env(workspace_root, lock_directory)

    lock = await off_loop(prepare, what=f"preparing {dirs.target}")
    settings = {"CARGO_TERM_COLOR": "never", **lock}
    project = _ClippyProject(manifest.parent, manifest, workspace_root, settings)
    state = await cargo.containment.state()
    if state.active and (policy is None or policy.network is not False):
        await cargo.fetch(project, toolchain, policy)
    env = cargo.containment.environment(toolchain, network=False, offline=state.active, settings=settings)
    confinement = cargo.containment.confinement(
        toolchain, cwd=manifest.parent, env=env, writable=dirs.paths, policy=policy
    )

    whole = manifest.parent == workspace_root
    options = ["--manifest-path", str(manifest), JSON_MESSAGES, "--all-targets", "--keep-going"]
    if whole:
        options.append("--workspace")  # every member, also when the root manifest is a package
    argv = [str(toolchain.cargo), "clippy", *options, "--", *lints]

    async def job(progress: ProgressCallback) -> ClippyRun:
        members = await anyio.to_thread.run_sync(
            _members_in_scope, manifest, workspace_root, cargo.containment.roots
        )
        return await _run(cargo, confinement, argv, workspace_root, members)

    # an identical audit on the same files (another session's, or asked again) shares its run
    key = (str(workspace_root), tuple(argv), repr(confinement), state.active, relevant_env(os.environ))
    files = await anyio.to_thread.run_sync(tree_state, workspace_root, cargo.containment.roots.paths)
    shared = await RUNS.run_or_leave(key, files, job, None, lambda run: run.exit_code is not None, answer_by)
    return shared if isinstance(shared, StillRunning) else shared.result


async def _run(
    cargo: CargoHelpers,
    confinement: Confinement,
    argv: list[str],
    workspace_root: Path,
    members: tuple[tuple[str, Path], ...],
) -> ClippyRun:
    messages = CompilerMessages(workspace_root, allows=cargo.containment.scope.allows)
    coverage = ClippyCoverage(members)

    def read_stdout(line: str) -> bool:
        messages.feed(line)
        coverage.feed(line)
        return False  # no text is kept: the parsed messages are the answer

    def read_stderr(line: str) -> bool:
        coverage.feed_stderr(line)
        return False

    command = await cargo.containment.command(confinement, argv)
    request = RunRequest.sandboxed(command, CLIPPY_TIMEOUT_SECONDS, read_stdout, read_stderr)
    try:
        outcome = await run_process(request)
    finally:
        command.close()
    return ClippyRun(messages.ranked(), messages.counts, outcome.exit_code, outcome.duration_ms, coverage)


def _members_in_scope(
    manifest: Path, workspace_root: Path, roots: AllowedRoots
) -> tuple[tuple[str, Path], ...]:
    """The packages clippy is asked to lint: the one at `manifest`, or every member of the workspace
    when `manifest` is its root (packages under it that belong to another workspace left out). It
    walks the workspace: callers run it in a worker thread."""
    seen: dict[Path, dict[str, object]] = {}  # the manifests above the members, parsed once for all
    return tuple(
        (name, directory)
        for name, directory in sorted(package_directories(workspace_root).items())
        if directory == manifest.parent
        or (
            manifest.parent == workspace_root
            and find_workspace_root(directory / MANIFEST_NAME, roots, seen) == workspace_root
        )
    )
