"""The cargo service: validate a call, build argv from the whitelist row, run it, parse the output.
Knows nothing of MCP; progress goes to a plain callback."""

from __future__ import annotations

import os
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import anyio

from rust_mcp.core.errors import Refusal
from rust_mcp.core.files import FileSnapshot, WriteFailed
from rust_mcp.core.roots import (
    AllowedRoots,
    PathRefused,
    find_manifest,
    find_workspace_root,
    package_directories,
)
from rust_mcp.mcp.confirm import no_questions

from . import render
from .commands import COMMANDS_BY_NAME, CargoCommand, check_combination
from .manifest_comments import restore_dropped_comments
from .messages import Focus
from .models import CargoResult, DiagnosticCounts, TargetOutcome, Verification, WorkingDirectoryResult
from .output import OutputCollector, ProgressState
from .runner import RunOutcome, RunRequest, prune_logs, run_process
from .toolchains import CargoLauncher, Rustup
from .validate import EnvPolicy

ProgressCallback = Callable[[float, float | None, str], Awaitable[None]]
ConfirmCallback = Callable[[str], Awaitable[bool]]
PROGRESS_POLL = 0.1
PROGRESS_INTERVAL = 0.5
HEARTBEAT_INTERVAL = 10.0
MATRIX_ERRORS = 5
RECENT_CHANGE_SECONDS = 15 * 60  # a file changed this recently is taken for the agent's own edit
TARGET_NOT_INSTALLED = re.compile(r"the `(?P<triple>[^`]+)` target may not be installed")
COMPONENT_MISSING = re.compile(r"'(?P<tool>cargo-clippy|cargo-fmt|rustfmt|clippy-driver)' is not installed")
NO_SUCH_COMMAND = re.compile(r"no such command: `(?P<command>\w+)`")


def default_log_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cargo-mcp" / "logs"


@dataclass(frozen=True)
class CargoSettings:
    roots: AllowedRoots
    default_toolchain: str | None = None
    default_timeout: int = 600
    max_timeout: int = 3600
    allowed_env: tuple[str, ...] = ()
    log_dir: Path = field(default_factory=default_log_dir)
    stream_budget: int = 12_000
    max_diagnostics: int = 60
    keep_logs: int = 300
    confirm_destructive: bool = True


@dataclass(frozen=True)
class Invocation:
    command: CargoCommand
    argv: list[str]
    cwd: Path
    manifest: Path
    workspace_root: Path
    toolchain: str | None
    env: dict[str, str]
    timeout: float


class CargoService:
    def __init__(self, settings: CargoSettings) -> None:
        self.settings = settings
        self.rustup = Rustup()
        self.launcher = CargoLauncher.discover()
        self.env_policy = EnvPolicy(settings.roots, settings.allowed_env)
        self._base_env = {
            **os.environ,
            "CARGO_TERM_PROGRESS_WHEN": "always",
            "CARGO_TERM_PROGRESS_WIDTH": "100",
            "CARGO_TERM_COLOR": "never",
        }
        prune_logs(settings.log_dir, settings.keep_logs)

    # -- validation ---------------------------------------------------------------------------

    def project_dir(self, raw: str | None, working_directory: Path | None) -> Path:
        base = working_directory or self.settings.roots.default
        return base if raw is None else self.settings.roots.confine(raw, base)

    def prepare(
        self, command: CargoCommand, values: Mapping[str, Any], working_directory: Path | None
    ) -> Invocation:
        """Validate everything and build the command line; raises Refusal, runs nothing."""
        check_combination(command, values)
        project = self.project_dir(values.get("path"), working_directory)
        manifest = find_manifest(project, self.settings.roots)
        cwd = manifest.parent
        toolchain: str | None = values.get("toolchain") or self.settings.default_toolchain
        if toolchain:
            self.rustup.resolve(toolchain)  # refuses bad names and uninstalled toolchains
        env = self.env_policy.check(values.get("cargo_env") or {}, cwd)
        args = command.cargo_args(values)
        position = len(command.subcommand)
        args[position:position] = ["--manifest-path", str(manifest)]
        requested_timeout = values.get("timeout_secs") or self.settings.default_timeout
        timeout = float(max(1, min(int(requested_timeout), self.settings.max_timeout)))
        return Invocation(
            command=command,
            argv=self.launcher.argv(toolchain, args),
            cwd=cwd,
            manifest=manifest,
            workspace_root=find_workspace_root(manifest),
            toolchain=toolchain,
            env={**self._base_env, **env},
            timeout=timeout,
        )

    # -- execution ----------------------------------------------------------------------------

    async def call(
        self,
        command: CargoCommand,
        values: Mapping[str, Any],
        working_directory: Path | None,
        report: ProgressCallback | None = None,
        confirm: ConfirmCallback = no_questions,
    ) -> CargoResult:
        """One tool call: one cargo run, or several for a target matrix or a verified change.
        Destructive commands ask `confirm` first (after validation, before anything runs)."""
        check_combination(command, values)
        monotonic = _Monotonic(report) if report is not None else None
        progress = monotonic.report if monotonic is not None else None
        if values.get("targets"):
            return await self._target_matrix(command, values, working_directory, progress)
        invocation = self.prepare(command, values, working_directory)
        if command.confirmation and not values.get("dry_run"):
            question = command.confirmation.format(
                project=invocation.cwd,
                manifest=invocation.manifest,
                dependencies=", ".join(values.get("dependencies") or []) or "the dependencies",
            )
            if not await confirm(question):
                raise Refusal(f"the user declined: {question.removesuffix(' Go ahead?')}")
        if values.get("verify") and not values.get("dry_run"):
            return await self._change_and_verify(invocation, values, working_directory, progress)
        return await self.execute(invocation, progress)

    async def _target_matrix(
        self,
        command: CargoCommand,
        values: Mapping[str, Any],
        working_directory: Path | None,
        report: ProgressCallback | None,
    ) -> CargoResult:
        """Check each target in turn, sharing the target directory, and report a row per target."""
        base = {key: value for key, value in values.items() if key != "targets"}
        invocations = [
            self.prepare(command, {**base, "target": t}, working_directory) for t in values["targets"]
        ]
        rows: list[TargetOutcome] = []
        last: CargoResult | None = None
        for invocation, triple in zip(invocations, values["targets"], strict=True):
            last = await self.execute(invocation, report)
            missing = next((h for h in last.hints if "rustup target add" in h), None)
            errors = [d for d in last.diagnostics if d.level.startswith("error")]
            status: Literal["ok", "errors", "std_missing", "failed"]
            if last.ok:
                status = "ok"
            elif missing is not None:
                status = "std_missing"
            elif last.counts.errors:
                status = "errors"
            else:
                status = "failed"
            rows.append(
                TargetOutcome(
                    target=triple,
                    status=status,
                    exit_code=last.exit_code,
                    errors=last.counts.errors,
                    warnings=last.counts.warnings,
                    duration_ms=last.duration_ms,
                    diagnostics=[] if missing else errors[:MATRIX_ERRORS],
                    hint=missing,
                )
            )
        assert last is not None
        result = last.model_copy(
            update={
                "ok": all(row.status == "ok" for row in rows),
                "exit_code": next((row.exit_code for row in rows if row.status != "ok"), 0),
                "duration_ms": sum(row.duration_ms for row in rows),
                "diagnostics": [],
                "counts": DiagnosticCounts(),
                "targets": rows,
                "stdout": "",
                "stderr": "",
                "hints": sorted({row.hint for row in rows if row.hint}),
            }
        )
        result.summary = render.matrix_summary(result)
        return result

    async def _change_and_verify(
        self,
        invocation: Invocation,
        values: Mapping[str, Any],
        working_directory: Path | None,
        report: ProgressCallback | None,
    ) -> CargoResult:
        """Check or test first (the baseline), change the dependencies, then check or test again. A
        change that adds no failure the baseline did not have is kept (and the result says the build
        was already failing); one that adds a failure, or a call cancelled part way, puts every
        Cargo.toml and Cargo.lock back byte for byte."""
        verify = str(values["verify"])
        snapshot = FileSnapshot.manifests(invocation.workspace_root)
        checker = COMMANDS_BY_NAME["cargo_check" if verify == "check" else "cargo_test"]
        check_values = {
            "path": str(invocation.manifest),
            "toolchain": values.get("toolchain"),
            "cargo_env": values.get("cargo_env"),
            "timeout_secs": values.get("timeout_secs"),
            "workspace": True,
            "all_targets": verify == "check",
        }
        try:
            baseline = await self.execute(self.prepare(checker, check_values, working_directory), report)
            changed = await self.execute(invocation, report, guard=snapshot)
            if not changed.ok:
                snapshot.restore()
                return changed
            checked = await self.execute(self.prepare(checker, check_values, working_directory), report)
        except BaseException:  # cancelled or failed part way: leave the files as they were
            _restore_quietly(snapshot)
            raise
        before, after = _failures(baseline), _failures(checked)
        new = [failure for failure in after if failure not in before]
        keep = checked.ok or (not baseline.ok and not new)
        verification = Verification(
            command=verify,
            ok=checked.ok,
            summary=checked.summary,
            tests=checked.tests,
            log_path=checked.log_path,
            diagnostics=[d for d in checked.diagnostics if d.level.startswith("error")][:MATRIX_ERRORS],
            baseline_ok=baseline.ok,
            baseline_summary=baseline.summary,
            new_failures=new[:50],
        )
        if not keep:
            verification.restored = snapshot.restore()
            verification.reverted = True
        result = changed.model_copy(update={"ok": keep, "verification": verification})
        result.changed_files = [] if verification.reverted else changed.changed_files
        result.summary = render.verified_summary(result)
        return result

    async def execute(
        self,
        invocation: Invocation,
        report: ProgressCallback | None = None,
        guard: FileSnapshot | None = None,
        *,
        shaped: bool = True,
    ) -> CargoResult:
        """One cargo run. A command that writes files snapshots them first (or uses `guard`, a
        snapshot the caller already took) to put them back if the run is stopped part way. With
        `shaped` false the result keeps every diagnostic (ranked) instead of a model-sized cut."""
        collector = OutputCollector(invocation.command.output, invocation.workspace_root)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        log_path = self.settings.log_dir / f"{stamp}-{invocation.command.name}-{uuid.uuid4().hex[:8]}.log"
        request = RunRequest(
            argv=invocation.argv,
            cwd=invocation.cwd,
            env=invocation.env,
            timeout_seconds=invocation.timeout,
            on_stdout=collector.on_stdout,
            on_stderr=collector.on_stderr,
            log_path=log_path,
            stream_budget=self.settings.stream_budget,
        )
        guard = guard if guard is not None else _guard(invocation)
        try:
            async with anyio.create_task_group() as group:
                if report is not None:
                    group.start_soon(_notify_progress, collector.progress, report)
                outcome = await run_process(request)
                group.cancel_scope.cancel()
        except BaseException:  # cancelled part way: the files go back as they were
            if guard is not None:
                _restore_quietly(guard)
            raise
        result = self._result(invocation, collector, outcome, shaped)
        if guard is not None:
            result.hints += _after_guarded_run(invocation, guard, result)
            result.changed_files = sorted(str(p.relative_to(guard.root)) for p in guard.changed())
        return result

    async def all_diagnostics(
        self, command: CargoCommand, values: Mapping[str, Any], server_env: Mapping[str, str] | None = None
    ) -> CargoResult:
        """One run whose result keeps every diagnostic, ranked (for the unsafe audit, which attaches
        each finding to a site); nothing is cut to a model's budget. `server_env` is the calling
        server's own setting (not a caller's), so it skips the cargo_env policy."""
        invocation = self.prepare(command, values, None)
        invocation = replace(invocation, env={**invocation.env, **(server_env or {})})
        return await self.execute(invocation, shaped=False)

    def _result(
        self, invocation: Invocation, collector: OutputCollector, outcome: RunOutcome, shaped: bool = True
    ) -> CargoResult:
        output = invocation.command.output
        tests = collector.tests.finish() if output == "tests" else None
        data: dict[str, object] | None = None
        if output == "metadata":
            data = collector.metadata_summary()
        elif output == "tree":
            data = collector.tree_data()
        result = CargoResult(
            tool=invocation.command.name,
            ok=outcome.exit_code == 0,
            exit_code=outcome.exit_code,
            summary="",
            argv=list(invocation.argv),
            cwd=str(invocation.cwd),
            manifest=str(invocation.manifest),
            toolchain=invocation.toolchain,
            duration_ms=outcome.duration_ms,
            timed_out=outcome.timed_out,
            diagnostics=collector.messages.ranked(_focus(invocation)),
            counts=collector.messages.counts.model_copy(),
            executables=collector.messages.executables if invocation.command.name == "cargo_build" else [],
            program_exit_code=outcome.exit_code
            if output == "run" and collector.messages.build_success
            else None,
            tests=tests,
            format_issues=collector.formatting.finish() if output == "format" else None,
            format_places=collector.formatting.total if output == "format" else None,
            data=data,
            stdout=outcome.stdout,
            stderr=outcome.stderr,
            output_truncated=outcome.truncated,
            log_path=outcome.log_path,
        )
        if tests is not None and render.matched_no_test(result):
            result.ok = False  # cargo says success, but nothing was tested
        result.hints = self._hints(invocation, result, collector, outcome)
        result.summary = render.summary_line(result, invocation.command.subcommand, invocation.timeout)
        if not shaped:
            result.counts.shown = len(result.diagnostics)
            return result
        result.diagnostics = result.diagnostics[: self.settings.max_diagnostics]
        return render.shape_for_model(result)

    def _hints(
        self, invocation: Invocation, result: CargoResult, collector: OutputCollector, outcome: RunOutcome
    ) -> list[str]:
        hints: list[str] = []
        text = "\n".join(
            [*collector.stderr_tail, *(d.message + "\n" + d.rendered for d in result.diagnostics)]
        )
        toolchain_flag = f" --toolchain {invocation.toolchain}" if invocation.toolchain else ""
        if (match := TARGET_NOT_INSTALLED.search(text)) is not None:
            hints.append(
                f"The standard library for {match['triple']} is not installed. Install it with "
                f"`rustup target add {match['triple']}{toolchain_flag}`, then run this again."
            )
        if (match := COMPONENT_MISSING.search(text)) is not None or (
            match := NO_SUCH_COMMAND.search(text)
        ) is not None:
            component = "clippy" if "clippy" in match.group(0) else "rustfmt"
            hints.append(
                f"Install the missing component with `rustup component add {component}{toolchain_flag}`."
            )
        if outcome.timed_out:
            hints.append(
                f"cargo was stopped after {invocation.timeout:.0f} s and its whole process group killed; "
                "pass a larger timeout_secs or narrow the run (package, test_name)."
            )
        if (signal_name := render.killed_by(outcome.exit_code)) is not None:
            hints.append(
                f"cargo was killed by {signal_name} from outside this server (the out-of-memory killer "
                "or another process); the rest of its process group was stopped too. Nothing was "
                "finished: run the call again, with fewer jobs (cargo_env CARGO_BUILD_JOBS) if memory "
                "is short."
            )
        if result.tests is not None and result.tests.failures:
            first = result.tests.failures[0].name
            hints.append(f'Rerun one failing test with test_name="{first}" and exact=true.')
            if "--no-fail-fast" not in invocation.argv:
                hints.append(
                    "cargo stops at the first test binary that fails; pass no_fail_fast=true to run "
                    "the remaining binaries (integration and doc tests) too."
                )
        if result.tests is not None and render.matched_no_test(result):
            hints.append(
                'No test name contains the filter; list the tests with test_args=["--list"], or drop '
                "exact=true if it was set."
            )
        if invocation.command.output == "format" and "Failed to find targets" in "\n".join(
            collector.stderr_tail
        ):
            hints.append(
                "This Cargo.toml is a virtual workspace (no package of its own): pass workspace=true "
                "(cargo fmt --all) or a package."
            )
        if outcome.log_error:
            hints.append(
                f"The full log could not be saved ({outcome.log_error}); the output above is all there is."
            )
        return hints

    # -- working directory --------------------------------------------------------------------

    def working_directory(self, raw: str, current: Path | None) -> tuple[Path, WorkingDirectoryResult]:
        path = self.project_dir(raw, current)
        if not path.is_dir():
            raise PathRefused(f"path {raw!r} is not a directory; pass a project directory")
        try:
            manifest: Path | None = find_manifest(path, self.settings.roots)
            note = f"cargo tools will default to {manifest}"
        except PathRefused as exc:
            manifest = None
            note = f"no Cargo.toml here yet ({exc}); pass `path` relative to this directory"
        return path, WorkingDirectoryResult(
            working_directory=str(path), manifest=str(manifest) if manifest else None, note=note
        )


async def _notify_progress(state: ProgressState, report: ProgressCallback) -> None:
    """Send the first change at once, later changes at most every PROGRESS_INTERVAL, and a heartbeat
    every HEARTBEAT_INTERVAL of silence, so clients that reset their timeout on progress keep a long
    build alive. Progress values only ever increase."""
    sent_version = 0
    sent_value = -1.0
    last_sent = float("-inf")
    while True:
        await anyio.sleep(PROGRESS_POLL)
        now = time.monotonic()
        changed = state.version != sent_version
        due = now - last_sent >= PROGRESS_INTERVAL if changed else now - last_sent >= HEARTBEAT_INTERVAL
        if not due or (not changed and now - state.started < HEARTBEAT_INTERVAL):
            continue
        value = (
            float(state.done) if state.done is not None and state.done > sent_value else sent_value + 0.001
        )
        value = max(value, 0.0)
        total = float(state.total) if state.total and value <= state.total else None
        elapsed = int(now - state.started)
        message = state.message if changed else f"{state.message} (still running, {elapsed} s)"
        try:
            await report(value, total, message)
        except Exception:  # a client that cannot take progress must not break the run
            return
        sent_version, sent_value, last_sent = state.version, value, now


class _Monotonic:
    """MCP progress must only increase; a call that runs cargo several times restarts each run's
    count, so values are kept increasing across runs (and totals dropped once they no longer fit)."""

    def __init__(self, report: ProgressCallback) -> None:
        self._report = report
        self._last = -1.0

    async def report(self, progress: float, total: float | None, message: str) -> None:
        if progress <= self._last:
            progress, total = self._last + 0.001, None
        self._last = progress
        await self._report(progress, total, message)


def _focus(invocation: Invocation) -> Focus:
    """The package the call asked for (`--package`, or the member whose directory `path` named) and
    the files changed in the last RECENT_CHANGE_SECONDS: their diagnostics rank right after errors."""
    directories: list[Path] = []
    argv = invocation.argv
    if "--package" in argv[:-1]:
        name = argv[argv.index("--package") + 1].split("@", 1)[0]
        found = package_directories(invocation.workspace_root).get(name)
        directories += [found] if found is not None else []
    elif invocation.manifest.parent != invocation.workspace_root:
        directories.append(invocation.manifest.parent)
    return Focus(tuple(directories), changed_after=time.time() - RECENT_CHANGE_SECONDS)


def _failures(result: CargoResult) -> list[str]:
    """What failed in a check or test run, as comparable lines: each error (code, message, place)
    and each failing test; a failure nothing explains is cargo's own error line."""
    found = [
        f"error{f'[{d.code}]' if d.code else ''}: {d.message} ({d.file}:{d.line})"
        for d in result.diagnostics
        if d.level.startswith("error")
    ]
    found += [f"test {failure.name} failed" for failure in (result.tests.failures if result.tests else [])]
    if not result.ok and not found:
        cause = next((line for line in result.stderr.splitlines() if line.startswith("error")), None)
        found.append(cause or f"cargo failed (exit {result.exit_code})")
    return found


def _guard(invocation: Invocation) -> FileSnapshot | None:
    """The files a command that writes them could leave half changed, taken before it runs."""
    root = invocation.workspace_root
    if invocation.command.guards == "manifests":
        return FileSnapshot.manifests(root)
    if invocation.command.guards == "sources":
        return FileSnapshot.sources(root)
    return None


def _restore_quietly(snapshot: FileSnapshot) -> None:
    """Put files back while a cancellation or error propagates: a failure to do so must not replace
    that exception, and there is no caller left to tell, so it goes to the server's log."""
    try:
        snapshot.restore()
    except WriteFailed as exc:
        print(f"cargo-mcp: could not put files back after an interrupted call: {exc}", file=sys.stderr)


def _stopped_part_way(result: CargoResult) -> bool:
    """Timed out, killed by a signal, or failed with no compiler error to account for it (a helper
    process killed under cargo ends it with a plain non-zero code). A failure that compiler errors
    explain is cargo's own ordinary end: what it wrote by then, it wrote whole."""
    if result.ok:
        return False
    return result.timed_out or render.killed_by(result.exit_code) is not None or not result.counts.errors


def _after_guarded_run(invocation: Invocation, guard: FileSnapshot, result: CargoResult) -> list[str]:
    """Put the files back when the run was stopped part way; mend the comments cargo drops after a
    finished change. Returns the hints to add."""
    name = invocation.command.name
    if _stopped_part_way(result):
        try:
            restored = guard.restore()
        except WriteFailed as exc:
            return [f"{name} was stopped part way and its changes could not be undone: {exc}"]
        if not restored:
            return []
        return [
            f"{name} was stopped part way; the files it had changed were put back as they were: "
            f"{', '.join(restored)}."
        ]
    if result.ok and invocation.command.keeps_table_comments:
        return restore_dropped_comments(guard)
    return []
