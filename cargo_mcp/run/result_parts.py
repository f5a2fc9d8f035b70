"""Each kind of cargo output mapped to what it adds to a result (test counts, rustfmt's places, paged
metadata or tree data, a program's exit code, pending snapshots): one builder per kind, by table, so
the run itself never asks which tool it ran."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cargo_mcp.parse.collector import OutputCollector
from cargo_mcp.parse.snapshots import pending_snapshots
from cargo_mcp.run.invocation import Invocation
from cargo_mcp.table.command import Output
from rust_mcp.core.runner import RunOutcome

Parts = dict[str, Any]  # fields of CargoResult
PartsBuilder = Callable[[OutputCollector, Invocation, RunOutcome], Awaitable[Parts]]


async def _diagnostics(collector: OutputCollector, invocation: Invocation, outcome: RunOutcome) -> Parts:
    return {"executables": collector.messages.executables} if invocation.command.lists_executables else {}


async def _tests(collector: OutputCollector, invocation: Invocation, outcome: RunOutcome) -> Parts:
    return {"tests": collector.tests.finish()}


async def _nextest(collector: OutputCollector, invocation: Invocation, outcome: RunOutcome) -> Parts:
    return {"tests": collector.nextest.finish()}


async def _format(collector: OutputCollector, invocation: Invocation, outcome: RunOutcome) -> Parts:
    return {"format_issues": collector.formatting.finish(), "format_places": collector.formatting.total}


async def _metadata(collector: OutputCollector, invocation: Invocation, outcome: RunOutcome) -> Parts:
    return {"data": collector.metadata_data(invocation.offset, invocation.package_detail)}


async def _tree(collector: OutputCollector, invocation: Invocation, outcome: RunOutcome) -> Parts:
    return {"data": collector.tree_data(invocation.offset)}


async def _run(collector: OutputCollector, invocation: Invocation, outcome: RunOutcome) -> Parts:
    return {"program_exit_code": outcome.exit_code if collector.messages.build_success else None}


async def _snapshots(collector: OutputCollector, invocation: Invocation, outcome: RunOutcome) -> Parts:
    lines = collector.stdout_lines
    return {"snapshots": await pending_snapshots(lines, invocation.workspace_root, invocation.timeout)}


async def _nothing(collector: OutputCollector, invocation: Invocation, outcome: RunOutcome) -> Parts:
    return {}


# "outdated" never reaches a plain run: the outdated workflow answers it from cargo's metadata
RESULT_PARTS: dict[Output, PartsBuilder] = {
    "diagnostics": _diagnostics,
    "tests": _tests,
    "nextest": _nextest,
    "format": _format,
    "metadata": _metadata,
    "tree": _tree,
    "run": _run,
    "snapshots": _snapshots,
    "plain": _nothing,
    "outdated": _nothing,
}


async def result_parts(collector: OutputCollector, invocation: Invocation, outcome: RunOutcome) -> Parts:
    """The fields the run's kind of output adds to its result; `data` pages by the call's offset."""
    return await RESULT_PARTS[invocation.command.output](collector, invocation, outcome)
