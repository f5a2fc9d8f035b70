"""The cargo service: validate a call, build argv from the whitelist row, run it, parse the output.
Knows nothing of MCP; progress goes to a plain callback."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio

from cargo_mcp.parse.collector import OutputCollector
from cargo_mcp.parse.diagnostic_focus import RankingMoments, call_focus
from cargo_mcp.parse.snapshots import clip_diffs
from cargo_mcp.results import render, verdicts
from cargo_mcp.results.models import CargoResult
from cargo_mcp.run.analyzer_reuse import analyzer_answer
from cargo_mcp.run.compiler_cache import cache_delta, take_stats_file
from cargo_mcp.run.guards import after_guarded_run, guard_for, restore_quietly
from cargo_mcp.run.invocation import Invocation
from cargo_mcp.run.launch import CargoLaunches, Launch, compiles
from cargo_mcp.run.member_spec import PACKAGE_FLAG, with_members
from cargo_mcp.run.progress import notify_progress
from cargo_mcp.run.result_parts import result_parts
from cargo_mcp.run.run_hints import limit_hints, run_hints
from cargo_mcp.run.scope_choice import note_run, workspace_wide
from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.run.shared_checks import Repeats, forget_runs, may_leave_running, run_shared, shareable
from cargo_mcp.table.command import CargoCommand, check_combination
from cargo_mcp.table.env_policy import EnvPolicy
from rust_mcp.core.budgets import ProgressCallback
from rust_mcp.core.cargo_projects import find_manifest, find_workspace_root, manifest_above_root
from rust_mcp.core.client_policy import ClientPolicy
from rust_mcp.core.compiler_messages import Focus
from rust_mcp.core.containment import Containment
from rust_mcp.core.files import FileSnapshot
from rust_mcp.core.project_files import off_loop
from rust_mcp.core.runner import RunOutcome, RunRequest, prune_logs, run_process
from rust_mcp.core.sandbox import Sandbox, exit_code_of
from rust_mcp.core.toolchains import CargoLauncher, Toolchains, check_toolchain_name

HOW_TO_PICK = 'pass `path` (e.g. path="{example}"), or call set_working_directory with it once'


class CargoService:
    def __init__(self, settings: CargoSettings, containment: Containment | None = None) -> None:
        self.settings = settings
        self.toolchains = Toolchains(settings.default_toolchain)
        self.launcher = CargoLauncher.discover()
        self.env_policy = EnvPolicy(settings.roots, settings.allowed_env)
        self.containment = containment or Containment(
            Sandbox(settings.sandbox),
            settings.roots,
            settings.grants,
            limits=settings.limits,
            fetch_hosts=settings.fetch_hosts,
        )
        cache = settings.compiler_cache
        self.launches = CargoLaunches(self.containment, self.toolchains, cache)
        self.ranking_moments = RankingMoments()
        self.repeats = Repeats()  # calls a shared check answered, for their repeats (call_routes)
        self.base_env = {
            "CARGO_TERM_PROGRESS_WHEN": "always",
            "CARGO_TERM_PROGRESS_WIDTH": "100",
            "CARGO_TERM_COLOR": "never",
            **(settings.compiler_cache.env() if settings.compiler_cache else {}),
        }
        prune_logs(settings.log_dir, settings.keep_logs)

    # -- validation ---------------------------------------------------------------------------

    def project_dir(self, raw: str | None, working_directory: Path | None) -> Path:
        base = working_directory or self.settings.roots.default
        return base if raw is None else self.settings.roots.confine(raw, base)

    def prepare(
        self,
        command: CargoCommand,
        values: Mapping[str, Any],
        working_directory: Path | None,
        extra_args: Sequence[str] = (),
    ) -> Invocation:
        """Validate everything and build the command line (with `extra_args`, already checked, after
        the manifest path); raises Refusal, runs nothing."""
        check_combination(command, values)
        project = self.project_dir(values.get("path"), working_directory)
        manifest = find_manifest(project, self.settings.roots)
        cwd = manifest.parent
        toolchain: str | None = values.get("toolchain") or self.settings.default_toolchain
        if toolchain:
            check_toolchain_name(toolchain)  # whether it is installed is asked in `call`
        env = self.env_policy.check(values["cargo_env"], cwd) if values.get("cargo_env") else {}
        args = command.cargo_args(values)
        # cargo fmt --manifest-path at a virtual workspace finds no targets; run in that directory,
        # it formats every member: say --all, as cargo fmt there means
        every = command.output == "format" and not {"--all", "--package"} & set(args)
        every = every and workspace_wide([], manifest, manifest.parent)
        position = len(command.subcommand)
        args[position:position] = [
            "--manifest-path",
            str(manifest),
            *extra_args,
            *(["--all"] if every else []),
        ]
        requested_timeout = values.get("timeout_secs") or self.settings.default_timeout
        timeout = float(max(1, min(int(requested_timeout), self.settings.max_timeout)))
        return Invocation(
            command=command,
            argv=self.launcher.argv(toolchain, args),
            args=args,
            cwd=cwd,
            manifest=manifest,
            workspace_root=find_workspace_root(manifest, self.settings.roots),
            toolchain=toolchain,
            env={**self.base_env, **dict(command.env), **env},
            timeout=timeout,
            offset=int(values.get("offset") or 0),
            package_detail=values.get("package") if command.output == "metadata" else None,
            name_filter=values.get("test_name") or values.get("bench_name"),
        )

    # -- execution ----------------------------------------------------------------------------

    async def execute(
        self,
        invocation: Invocation,
        report: ProgressCallback | None = None,
        guard: FileSnapshot | None = None,
        policy: ClientPolicy | None = None,
        answer_by: float | None = None,
    ) -> CargoResult:
        """One cargo run, in the sandbox. A command that writes files snapshots them first (or uses
        `guard`, a snapshot the caller already took) to put them back if the run is stopped part
        way. An offline run that failed for want of a download fetches again and runs once more.
        A check or lint is shared with identical calls of every server in the process (shared_checks),
        and a check rust-analyzer just made of the same files with the same flags answers a cargo_check
        (analyzer_reuse). With `answer_by` (seconds), a run that writes no project file and is still
        going then goes on in the background, and the answer says so; the next identical call gets its
        result."""
        if PACKAGE_FLAG in invocation.args:  # a member's name means the member (scoped runs too)
            invocation = await with_members(invocation, self.launcher.argv)
        leaves = answer_by is not None and answer_by < invocation.timeout and may_leave_running(invocation)
        if guard is None and (shareable(invocation) or leaves):
            if not shareable(invocation):
                forget_runs(invocation.workspace_root)  # its build changes: no check before it is reused

            def run_once(progress: ProgressCallback) -> Awaitable[CargoResult]:
                return self._execute(invocation, progress, None, policy)

            def from_analyzer(state: str) -> Awaitable[CargoResult | None]:
                return analyzer_answer(self, invocation, policy, state)

            by = answer_by if leaves else None
            return await run_shared(self.settings, invocation, policy, report, run_once, by, from_analyzer)
        forget_runs(invocation.workspace_root)  # its build changes: no check before it is reused
        return await self._execute(invocation, report, guard, policy)

    async def _execute(
        self,
        invocation: Invocation,
        report: ProgressCallback | None,
        guard: FileSnapshot | None,
        policy: ClientPolicy | None,
    ) -> CargoResult:
        if guard is None:
            # reads every manifest (or source) off the loop, in the call's time; a tree too large is refused
            what = f"keeping the files {invocation.command.name} may change"
            guard = await off_loop(guard_for, invocation, deadline=invocation.timeout, what=what)
        launch = await self.launches.prepare(invocation, policy)
        result = await self._run(invocation, launch, report, guard)
        if not result.ok and await self.launches.retry_after_fetch(invocation, launch, result.stderr):
            launch = await self.launches.prepare(invocation, policy)
            result = await self._run(invocation, launch, report, guard)
        await anyio.to_thread.run_sync(note_run, invocation, launch.build_dir, result)
        return result

    async def _run(
        self,
        invocation: Invocation,
        launch: Launch,
        report: ProgressCallback | None,
        guard: FileSnapshot | None,
    ) -> CargoResult:
        collector = OutputCollector(
            invocation.command.output, invocation.workspace_root, self.containment.scope.allows
        )
        stamp = time.strftime("%Y%m%d-%H%M%S")
        log_path = self.settings.log_dir / f"{stamp}-{invocation.command.name}-{uuid.uuid4().hex[:8]}.log"
        command = launch.command
        request = RunRequest(
            argv=command.argv,
            cwd=command.cwd,
            env=command.env,
            timeout_seconds=invocation.timeout,
            on_stdout=collector.on_stdout,
            on_stderr=collector.on_stderr,
            log_path=log_path,
            stream_budget=self.settings.stream_budget,
            pass_fds=command.pass_fds,
            contained=command.contained,
        )
        cache = self.settings.compiler_cache if compiles(invocation.command) else None
        inside = launch.cache_stats is not None  # read in the sandbox, after cargo
        cache_env = {**invocation.env, **cache.workspace_env(invocation.workspace_root)} if cache else {}
        before = await cache.counters(cache_env) if cache and not inside else None
        try:
            async with anyio.create_task_group() as group:
                if report is not None:
                    group.start_soon(notify_progress, collector.progress, report)
                outcome = await run_process(request)
                group.cancel_scope.cancel()
        except BaseException:  # cancelled part way: the files go back as they were
            if guard is not None:
                await restore_quietly(guard)
            raise
        finally:
            command.close()
        outcome.exit_code = exit_code_of(launch.state, outcome.exit_code)
        if invocation.command.cleans_build:
            launch.finish_clean(outcome)
        parts = await result_parts(collector, invocation, outcome)
        focus = await self.focus_of(invocation)
        result, ranked = self.unshaped_result(invocation, collector, outcome, focus, parts)
        result.hints = launch.notes + result.hints
        if not result.ok:
            result.hints += limit_hints(result, outcome, command.limits)
        if cache is not None and launch.cache_stats is not None:
            result.cache = cache_delta(cache, {}, take_stats_file(launch.cache_stats))
        elif cache is not None:
            result.cache = cache_delta(cache, before, await cache.counters(cache_env))
        if guard is not None:  # the comparison and the mending read every file kept: off the loop
            result.hints += await anyio.to_thread.run_sync(after_guarded_run, invocation, guard, result)
            changed = await anyio.to_thread.run_sync(guard.changed)
            result.changed_files = sorted(str(p.relative_to(guard.root)) for p in changed)
        return render.shape_for_model(result, ranked=ranked)  # last: within budget with all of it

    async def focus_of(self, invocation: Invocation) -> Focus:
        """What the call asked about, for ranking its findings; off the loop, since --package walks
        the workspace and parses its manifests (an engine's sessions share the loop)."""
        paged = 0 if invocation.command.output in ("metadata", "tree") else invocation.offset
        moment = self.ranking_moments.moment(invocation.argv, paged)
        return await off_loop(
            call_focus,
            invocation.argv,
            invocation.manifest,
            invocation.workspace_root,
            moment,
            what="finding the package asked for",
        )

    def result_of(
        self, invocation: Invocation, collector: OutputCollector, outcome: RunOutcome, focus: Focus
    ) -> CargoResult:
        """The answer for output replayed (analyzer_reuse), shaped for the model."""
        result, ranked = self.unshaped_result(invocation, collector, outcome, focus)
        return render.shape_for_model(result, ranked=ranked)

    def unshaped_result(
        self,
        invocation: Invocation,
        collector: OutputCollector,
        outcome: RunOutcome,
        focus: Focus,
        parts: dict[str, Any] | None = None,
    ) -> tuple[CargoResult, int]:
        """The result of a run's parsed output before it is shaped for the model, and how many
        diagnostics were ranked; `parts` are what its kind of output adds (result_parts)."""
        parts = parts or {}
        # where the listed diagnostics start; where the offset paged the data, from the first
        offset = 0 if "data" in parts else invocation.offset
        ranked = collector.messages.ranked(focus)
        result = invocation.result(
            "",
            outcome.duration_ms,
            outcome.exit_code,
            timed_out=outcome.timed_out,
            diagnostics=ranked[offset : offset + self.settings.max_diagnostics],
            counts=collector.messages.counts.model_copy(
                update={"offset": offset, "by_code": collector.messages.most_frequent()}
            ),
            stdout=outcome.stdout,
            stderr=outcome.stderr,
            output_truncated=outcome.truncated,
            log_path=outcome.log_path,
            **parts,
        )
        if result.snapshots:
            result.full_diff = clip_diffs(result.snapshots, self.settings.log_dir)
        elif result.format_issues and result.log_path:
            result.full_diff = result.log_path  # rustfmt's whole diff is what it printed
        matched_none = verdicts.matched_no_test(result, invocation.name_filter is not None)
        if matched_none:
            result.ok = False  # cargo says success, but nothing was tested
        above = None if result.ok else manifest_above_root(invocation.manifest, self.settings.roots)
        result.hints = run_hints(invocation, result, collector, outcome, matched_none, above)
        subcommand = invocation.command.subcommand
        result.summary = verdicts.summary_line(result, subcommand, invocation.timeout, matched_none)
        return result, len(ranked)
