"""Which crates the audit's clippy run linted, read from cargo's JSON and stderr: a crate stopped by a
deny-level lint was linted whole; one with a compile error was not, nor what needs it."""

from __future__ import annotations

import json
from pathlib import Path

from ra_mcp.tools.clippy import ClippyCoverage, ClippyRun
from rust_mcp.core.compiler_messages import DiagnosticCounts

ROOT = Path("/w")


def _message(crate: str, level: str, code: str | None) -> str:
    message = {
        "level": level,
        "message": "m",
        "code": {"code": code} if code else None,
        "spans": [{"file_name": "src/lib.rs", "line_start": 1, "is_primary": True}],
    }
    payload = {"reason": "compiler-message", "manifest_path": f"/w/{crate}/Cargo.toml", "message": message}
    return json.dumps(payload, separators=(",", ":"))


def _artifact(crate: str) -> str:
    return json.dumps({"reason": "compiler-artifact", "manifest_path": f"/w/{crate}/Cargo.toml"})


def _coverage(*crates: str) -> ClippyCoverage:
    return ClippyCoverage(tuple((name, ROOT / name) for name in crates))


def test_a_crate_denied_by_a_lint_is_complete_and_named_only_beside_a_gap() -> None:
    coverage = _coverage("denied", "warned")
    for line in (_message("denied", "error", "clippy::undocumented_unsafe_blocks"), _artifact("warned")):
        coverage.feed(line)
    coverage.feed_stderr("error: could not compile `denied` (lib) due to 1 previous error")
    assert coverage.gaps() is None
    run = ClippyRun([], DiagnosticCounts(errors=1), 101, 10, coverage)
    assert run.partial is None


def test_a_compile_error_and_its_dependents_make_the_findings_partial() -> None:
    coverage = _coverage("broken", "needs_broken", "denied", "fine")
    coverage.feed(_message("broken", "error", "E0308"))
    coverage.feed(_message("denied", "error", "unsafe_op_in_unsafe_fn"))
    coverage.feed(_artifact("fine"))
    coverage.feed_stderr("error: could not compile `broken` (lib) due to 1 previous error")
    coverage.feed_stderr("error: could not compile `denied` (lib test) due to 1 previous error")
    assert coverage.gaps() == (
        "failed to build (lints did not run): broken; not checked: needs_broken (they need a crate "
        "that failed); stopped by deny-level lints (findings complete): denied (lib test)"
    )


def test_a_run_that_failed_before_compiling_says_why_and_a_timeout_says_so() -> None:
    coverage = _coverage("only")
    coverage.feed_stderr("error: failed to parse manifest at `/w/only/Cargo.toml`")
    failed = ClippyRun([], DiagnosticCounts(), 101, 10, coverage)
    assert failed.partial == (
        "clippy failed: error: failed to parse manifest at `/w/only/Cargo.toml`; not checked: only"
    )
    stopped = ClippyRun([], DiagnosticCounts(), None, 10, _coverage("only"))
    assert stopped.partial == "clippy was stopped after 600 s; not checked: only"
