"""cargo_check answered from rust-analyzer's own check (rust_mcp/core/analyzer_checks.py): when the
rust-analyzer of this process has just checked the workspace, on the files as they are now, with the
flags this call asks for (the same manifest and switches, the same real cargo, no extra environment,
the same sandbox and allowed roots, no network), its cargo messages become this call's usual
answer, parsed and shaped as a run's would be and saying where it came from, and cargo is not run.

rust-analyzer's check always passes `--keep-going`: where it failed, it lists the errors of every
crate that could be checked, where a plain run may stop after the first crate that failed (the
answer says so)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Protocol

from cargo_mcp.parse.collector import OutputCollector
from cargo_mcp.run.settings import CargoSettings
from rust_mcp.core import analyzer_checks
from rust_mcp.core.analyzer_checks import AnalyzerCheck, CheckSetting, extra_env
from rust_mcp.core.cargo_projects import MANIFEST_NAME
from rust_mcp.core.client_policy import ClientPolicy
from rust_mcp.core.containment import Containment
from rust_mcp.core.errors import Refusal
from rust_mcp.core.runner import RunLog, RunOutcome, TailBuffer
from rust_mcp.core.toolchains import Toolchains

if TYPE_CHECKING:
    from cargo_mcp.results.models import CargoResult
    from cargo_mcp.run.invocation import Invocation
    from rust_mcp.core.compiler_messages import Focus

# the fingerprint log rust-analyzer asks cargo for (CARGO_LOG), not part of a plain run's output:
# an entry begins with its time and level, and runs (causes, backtraces) until cargo's next own line
CARGO_LOG_LINE = re.compile(r"^\s*\d+(?:\.\d+)?s\s+(?:TRACE|DEBUG|INFO|WARN|ERROR)\s")
CARGO_STATUS = re.compile(r"^(?: *[A-Z][a-z]+ (?<=^.{13})|warning: |error: )")  # `    Checking x`
KEEP_GOING_NOTE = (
    "rust-analyzer's check runs with --keep-going: it lists the errors of every crate that could be "
    "checked (a plain cargo check may stop after the first crate that failed)"
)


class CargoService(Protocol):
    """What of the cargo service (cargo_service.CargoService) an answer from rust-analyzer's check needs."""

    settings: CargoSettings
    containment: Containment
    toolchains: Toolchains
    base_env: dict[str, str]

    async def focus_of(self, invocation: Invocation) -> Focus: ...

    def result_of(
        self, invocation: Invocation, collector: OutputCollector, outcome: RunOutcome, focus: Focus
    ) -> CargoResult: ...


async def analyzer_setting(
    service: CargoService, invocation: Invocation, policy: ClientPolicy | None
) -> CheckSetting | None:
    """This call's setting in the terms rust-analyzer's kept check is compared in, or None when it
    could never match one (a row rust-analyzer's check cannot answer, not the workspace's own
    manifest, a toolchain that does not resolve)."""
    if not invocation.command.answers_from_analyzer:
        return None
    if invocation.manifest != invocation.workspace_root / MANIFEST_NAME:
        return None
    try:
        state = await service.containment.state()
        toolchain = await service.toolchains.resolve(invocation.toolchain, invocation.cwd)
    except Refusal:
        return None
    base = {**service.base_env, **dict(invocation.command.env)}
    return CheckSetting(
        str(invocation.workspace_root),
        str(toolchain.cargo),
        extra_env(invocation.env, base),
        sandboxed=state.active,
        network=policy is not None and policy.network is True,
        roots=tuple(str(path) for path in service.settings.roots.paths),
    )


async def analyzer_answer(
    service: CargoService, invocation: Invocation, policy: ClientPolicy | None, state: str
) -> CargoResult | None:
    """This call's answer from rust-analyzer's kept check of `state`, or None (run cargo)."""
    if not analyzer_checks.FINISHED:
        return None
    setting = await analyzer_setting(service, invocation, policy)
    check = analyzer_checks.find(setting, invocation.args, state) if setting is not None else None
    if check is None:
        return None
    analyzer_checks.STATS["reused"] += 1
    return replay(service, invocation, check, await service.focus_of(invocation))


def replay(service: CargoService, invocation: Invocation, check: AnalyzerCheck, focus: Focus) -> CargoResult:
    """The answer a run printing `check`'s output would have given (with its log file)."""
    collector = OutputCollector(
        invocation.command.output, invocation.workspace_root, service.containment.scope.allows
    )
    budget = service.settings.stream_budget
    buffers = TailBuffer(budget), TailBuffer(budget)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    log_path = service.settings.log_dir / f"{stamp}-{invocation.command.name}-{uuid.uuid4().hex[:8]}.log"
    log = RunLog(log_path)
    stderr = without_cargo_log(analyzer_checks.lines(check.stderr))
    for lines, sink, buffer in (
        (analyzer_checks.lines(check.stdout), collector.on_stdout, buffers[0]),
        (stderr, collector.on_stderr, buffers[1]),
    ):
        for line in lines:
            log.write(line.encode("utf-8", "surrogateescape") + b"\n")
            if sink(line):
                buffer.add(line)
    log.close()
    (stdout_text, cut_out), (stderr_text, cut_err) = buffers[0].text(), buffers[1].text()
    outcome = RunOutcome(
        exit_code=check.exit_code,
        timed_out=False,
        duration_ms=check.duration_ms,
        stdout=stdout_text,
        stderr=stderr_text,
        truncated=cut_out or cut_err,
        log_path=log.usable_path,
        log_error=log.error,
        pid=0,
    )
    result = service.result_of(invocation, collector, outcome, focus)
    ago = time.monotonic() - check.finished_at
    note = (
        f"reused rust-analyzer's cargo check, finished {ago:.0f} s ago on the same files with the same "
        "flags (nothing changed since): cargo was not run; its findings stand"
    )
    result.hints.insert(0, note if check.exit_code == 0 else f"{note}. {KEEP_GOING_NOTE}")
    return result


def without_cargo_log(lines: Iterable[str]) -> Iterator[str]:
    """cargo's stderr without the entries of its fingerprint log."""
    in_log = False
    for line in lines:
        if CARGO_LOG_LINE.match(line):
            in_log = True
        elif not in_log or CARGO_STATUS.match(line):
            in_log = False
            yield line
