"""The verdict of a cargo result, its first line: how the run ended (succeeded, failed, timed out,
killed by a signal, matched no test) and what it counted; for a target matrix and a verified
dependency change, the verdict of the whole."""

from __future__ import annotations

import itertools
import signal

from cargo_mcp.results.models import CargoResult
from rust_mcp.core.counts import plural


def killed_by(exit_code: int | None) -> str | None:
    """The signal's name when a process ended by one (a negative exit code), else None."""
    if exit_code is None or exit_code >= 0:
        return None
    try:
        return signal.Signals(-exit_code).name
    except ValueError:
        return f"signal {-exit_code}"


def matched_no_test(result: CargoResult, named: bool = False) -> bool:
    """cargo test exited 0 having run nothing because the filter matched no test (every binary was
    libtest and filtered everything out; a harness-free bench or test did run). `named`: the call
    gave a test name, so nothing run means nothing matched even where no binary had a test to filter
    out (a library whose tests are all doc tests: cargo runs no doc test when a name is given)."""
    t = result.tests
    return (
        t is not None
        and result.exit_code == 0
        and t.suites > 0
        and t.binaries <= t.suites
        and not (t.passed or t.failed or t.ignored)
        and (t.filtered_out > 0 or named)
    )


def summary_line(
    result: CargoResult, subcommand: tuple[str, ...], timeout: float, matched_none: bool = False
) -> str:
    """The verdict line; `matched_none`: the test filter matched no test (matched_no_test)."""
    command = " ".join(itertools.takewhile(lambda word: not word.startswith("-"), subcommand))
    seconds = result.duration_ms / 1000
    if result.timed_out:
        verdict = f"timed out after {timeout:.0f} s (process group killed)"
    elif matched_none:
        verdict = f"ran no test in {seconds:.2f} s: the filter matched none"
    elif result.program_exit_code not in (None, 0):
        verdict = (
            f"built the program, which ran and exited with code {result.program_exit_code} ({seconds:.2f} s)"
        )
    elif result.ok and (result.data or {}).get("refused"):  # cargo answered; a value of the call was wrong
        verdict = f"ran in {seconds:.2f} s, but the call was refused (below)"
    elif result.ok and (result.data or {}).get("error"):
        verdict = f"ran in {seconds:.2f} s, but its answer could not be read (below)"
    elif result.ok:
        verdict = f"succeeded in {seconds:.2f} s"
    elif (signal_name := killed_by(result.exit_code)) is not None:
        verdict = f"was killed by {signal_name} after {seconds:.2f} s"
    else:
        verdict = f"failed (exit {result.exit_code}) in {seconds:.2f} s"
    parts = []
    if result.counts.total:
        parts.append(f"{plural(result.counts.errors, 'error')}, {plural(result.counts.warnings, 'warning')}")
    if result.tests is not None and (result.tests.suites or result.tests.failures):
        t = result.tests
        parts.append(f"tests: {t.passed} passed, {t.failed} failed, {t.ignored} ignored")
    if result.format_issues:
        places = result.format_places or len(result.format_issues)
        listed = (
            f" (the first {len(result.format_issues)} listed)" if places > len(result.format_issues) else ""
        )
        parts.append(f"{plural(places, 'place')} need formatting{listed}")
    elif result.format_issues is not None:
        parts.append("formatted correctly" if result.ok else "rustfmt did not check the files (see stderr)")
    detail = f" — {'; '.join(parts)}" if parts else ""
    return f"cargo {command} {verdict}{detail}"


def matrix_summary(result: CargoResult) -> str:
    rows = result.targets or []
    states = ", ".join(f"{row.target}: {row.status.replace('_', ' ')}" for row in rows)
    verdict = "all targets ok" if result.ok else "not all targets check"
    return f"cargo check for {len(rows)} target(s): {verdict} — {states}"


def verified_summary(result: CargoResult) -> str:
    check = result.verification
    if check is None:
        return result.summary
    if check.ok:
        return f"{result.summary}; verified with cargo {check.command}: ok"
    if not check.reverted:
        return (
            f"{result.summary}; kept: cargo {check.command} was already failing before this change "
            f"and the change adds no new failure"
        )
    restored = ", ".join(check.restored) or "nothing had changed"
    already = " (it was already failing before)" if check.baseline_ok is False else ""
    return (
        f"{result.summary}; verification with cargo {check.command} FAILED with "
        f"{plural(len(check.new_failures), 'new failure')}{already}, reverted: {restored}"
    )
