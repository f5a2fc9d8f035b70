"""What to do next after a cargo run, said as hints: a missing target std, component or cargo plugin,
a timeout or an outside kill, how to rerun one failing test, a filter that matched nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from cargo_mcp.parse.collector import OutputCollector
from cargo_mcp.results import verdicts
from cargo_mcp.results.models import CargoResult
from cargo_mcp.run.member_spec import ambiguity_hint
from rust_mcp.core import budgets
from rust_mcp.core.runner import RunOutcome
from rust_mcp.core.sandbox_limits import SandboxLimits, limit_notes

if TYPE_CHECKING:
    from cargo_mcp.run.invocation import Invocation

TARGET_NOT_INSTALLED = re.compile(r"the `(?P<triple>[^`]+)` target may not be installed")
COMPONENT_MISSING = re.compile(r"'(?P<tool>cargo-clippy|cargo-fmt|rustfmt|clippy-driver)' is not installed")
NO_SUCH_COMMAND = re.compile(r"no such command: `(?P<command>\w+)`")
CARGO_PLUGINS = frozenset({"nextest", "insta"})
# how cargo fails when a package that belongs to a workspace is built alone
ALONE = re.compile(
    r"--offline|error inheriting|failed to (download|load manifest|select a version)|no matching package"
)


def run_hints(
    invocation: Invocation,
    result: CargoResult,
    collector: OutputCollector,
    outcome: RunOutcome,
    matched_none: bool = False,
    above: Path | None = None,
) -> list[str]:
    """What to do next after this run; `matched_none`: the test filter matched no test
    (verdicts.matched_no_test, decided once for the result); `above`: a Cargo.toml above the allowed
    roots that may be the workspace of the package run (cargo_projects.manifest_above_root)."""
    hints: list[str] = []
    text = "\n".join([*collector.stderr_tail, *(d.message + "\n" + d.rendered for d in result.diagnostics)])
    toolchain_flag = f" --toolchain {invocation.toolchain}" if invocation.toolchain else ""
    if (match := TARGET_NOT_INSTALLED.search(text)) is not None:
        hints.append(
            f"The standard library for {match['triple']} is not installed. Install it with "
            f"`rustup target add {match['triple']}{toolchain_flag}`, then run this again."
        )
    plugin = NO_SUCH_COMMAND.search(text)
    if plugin is not None and plugin["command"] in CARGO_PLUGINS:
        hints.append(
            f"cargo-{plugin['command']} is not installed where cargo looks (PATH, ~/.cargo/bin): "
            f"`cargo install --locked cargo-{plugin['command']}`."
        )
    elif (match := COMPONENT_MISSING.search(text)) is not None or (
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
    if (signal_name := verdicts.killed_by(outcome.exit_code)) is not None:
        hints.append(
            f"cargo was killed by {signal_name} from outside this server (the out-of-memory killer "
            "or another process); the rest of its process group was stopped too. Nothing was "
            "finished: run the call again, with fewer jobs (cargo_env CARGO_BUILD_JOBS) if memory "
            "is short."
        )
    if result.tests is not None and result.tests.failures:
        first = result.tests.failures[0].name
        exact = " and exact=true" if "exact" in invocation.command.params else ""
        if len(first) <= budgets.NAME_LIMIT:  # test names have no length limit
            hints.append(f'Rerun one failing test with test_name="{first}"{exact}.')
        if "--no-fail-fast" not in invocation.argv:
            hints.append(
                "cargo stops at the first test binary that fails; pass no_fail_fast=true to run "
                "the remaining binaries (integration and doc tests) too."
            )
    if matched_none:
        hints.append(
            'No test name contains the filter; list the tests with test_args=["--list"], or drop '
            "exact=true if it was set."
        )
        if invocation.command.subcommand == ("test",) and "--doc" not in invocation.args:
            hints.append("cargo runs no doc test when a test name is given; doc_only=true filters doc tests.")
    if invocation.command.output == "format" and "Failed to find targets" in "\n".join(collector.stderr_tail):
        hints.append(
            "This Cargo.toml is a virtual workspace (no package of its own): pass workspace=true "
            "(cargo fmt --all) or a package."
        )
    if above is not None and not result.ok and ALONE.search(text):
        hints.append(
            f"cargo ran {invocation.manifest} on its own: the allowed roots end below {above}, which may "
            f"be the workspace this package belongs to (cargo could not see it). If so, start the server "
            f"with --root {above.parent} (for Codex, start it in that folder)."
        )
    if not result.ok and (ambiguous := ambiguity_hint("\n".join(collector.stderr_tail))) is not None:
        hints.append(ambiguous)
    if outcome.log_error:
        hints.append(
            f"The full log could not be saved ({outcome.log_error}); the output above is all there is."
        )
    return hints


def limit_hints(result: CargoResult, outcome: RunOutcome, limits: SandboxLimits | None) -> list[str]:
    """For a failed run: the sandbox limit (processes, memory, /tmp) its output says it hit."""
    failures = result.tests.failures if result.tests is not None else []
    text = "\n".join([outcome.stdout, outcome.stderr, *(failure.output for failure in failures)])
    return limit_notes(text, limits)
