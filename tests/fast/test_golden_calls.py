"""The golden answers' calls and file, without running them: every listed tool has a golden call,
the file holds one answer per call, and the normalisations replace only the documented figures.
The answers themselves are compared in tests/real/test_golden_answers.py."""

from __future__ import annotations

from rust_mcp.dev.reference import server_tools
from tests.support import in_fresh_thread
from tests.support.golden_answers import CALLS, REGENERATE, ROOT_MARK, golden, normalise, without_figures


def test_every_listed_tool_has_a_golden_call() -> None:
    listed = {tool.name for tools in in_fresh_thread(server_tools).values() for tool in tools}
    called = {call.tool for call in CALLS}
    assert not listed - called, f"tools without a golden call (add one to CALLS): {sorted(listed - called)}"
    assert not called - listed, f"golden calls of tools no server lists: {sorted(called - listed)}"


def test_the_golden_file_holds_one_answer_per_call() -> None:
    recorded = [(entry["server"], entry["tool"], entry["why"], entry["arguments"]) for entry in golden()]
    expected = [(call.server, call.tool, call.why, call.arguments) for call in CALLS]
    assert recorded == expected, f"tests/data/golden_answers.json does not match CALLS: {REGENERATE}"


def test_the_normalisations_are_narrow() -> None:
    """Only the documented figures are replaced; the same words with other content stay."""
    root, logs = "/tmp/golden-x/fx", "/tmp/golden-x/logs"
    varying = (
        "cargo check failed (exit 101) in 0.12 s\n"
        f"full log: {logs}/20261206-092742-cargo_check-2a0d4159.log\n"
        "    Finished `dev` profile [unoptimized + debuginfo] target(s) in 0.52s\n"
        f"{root}/workspace: ready, still Indexing 100% (18/21 (getopts)) "
        "(health ok, pid 4242, 674 MB, up 24 s)"
        "\nthread 'tests::x' (88) panicked at src/lib.rs:1:1\nrust-analyzer 1.93.0 (254b59607 2026-01-19)"
    )
    assert normalise(varying, root, logs) == (
        "cargo check failed (exit 101) in <DUR> s\nfull log: <LOGS>/<STAMP>-cargo_check-<ID>.log\n"
        "    Finished `dev` profile [unoptimized + debuginfo] target(s) in <DUR>\n"
        f"{ROOT_MARK}/workspace: ready (health ok, pid <PID>, <N> MB, up <N> s)"
        "\nthread 'tests::x' (<TID>) panicked at src/lib.rs:1:1\nrust-analyzer <VERSION>"
    )
    kept = "in 0.12 seconds; pid 42; 674 MB free; up 3 s; exit 101 after 0.5s; /tmp/golden-y/fx; 1.93.0"
    assert normalise(kept, root, logs) == kept
    content = {"duration_ms": 5, "line": 3, "workspaces": [{"pid": 9, "flycheck_runs": 2, "root": "r"}]}
    assert without_figures(content) == {
        "duration_ms": "<VOLATILE>",
        "line": 3,
        "workspaces": [{"pid": "<VOLATILE>", "root": "r"}],
    }
