"""Reading the proc-macro proxy's lines: which macro runs, in which crate, for how long, and what
rust-analyzer is told to ignore (fast tier: no process)."""

from __future__ import annotations

import time
from pathlib import Path

from ra_mcp.lsp.flycheck_bound import overdue
from ra_mcp.lsp.proc_macro_watch import MARK, PROXY, ProcMacroWatch, StuckMacros, crate_of
from ra_mcp.lsp.settings import initialization_options
from ra_mcp.lsp.state import AnalyzerState

LIB = "/w/target/rust-analyzer/debug/deps/libmy_macros-1a2b3c4d5e6f7a8b.so"


def test_expansions_are_tracked_per_proxy_until_answered() -> None:
    watch = ProcMacroWatch()
    assert watch.feed(f'{MARK} 41 expand {{"lib": "{LIB}", "macro": "spin"}}')
    assert watch.feed(f'{MARK} 42 expand {{"lib": "{LIB}", "macro": "other"}}')
    assert watch.feed(f"{MARK} 42 answered")  # the other server answering clears only its own
    assert watch.expanding is not None and watch.expanding.label == "my_macros::spin"
    assert watch.feed(f"{MARK} 41 exited -9")  # a server that died will never answer
    assert watch.expanding is None and watch.expansions == 2
    assert not watch.feed("ERROR some log line of rust-analyzer's")  # not ours: kept as a log line
    assert watch.feed(f"{MARK} 41 expand not json") and watch.expanding is None


def test_a_long_expansion_is_noted_from_a_quarter_of_the_limit() -> None:
    watch = ProcMacroWatch()
    watch.feed(f'{MARK} 7 expand {{"lib": "{LIB}", "macro": "spin"}}')
    now = time.monotonic()
    assert watch.notice(now, limit=60) is None
    note = watch.notice(now + 20, limit=60)
    assert note is not None and "`my_macros::spin` has been expanding for 20 s" in note


def test_stuck_macros_become_rust_analyzers_ignored_setting() -> None:
    watch = ProcMacroWatch()
    watch.feed(f'{MARK} 7 expand {{"lib": "{LIB}", "macro": "spin"}}')
    assert watch.expanding is not None
    stuck = StuckMacros()
    root = Path("/w")
    stuck.add(root, watch.expanding)
    assert stuck.ignored(root) == {"my_macros": ["spin"]} and stuck.ignored(Path("/other")) == {}
    options = initialization_options(True, stuck.ignored(root), watched=True)
    assert options["procMacro"] == {"enable": True, "ignored": {"my_macros": ["spin"]}, "server": str(PROXY)}
    assert "server" not in initialization_options(True)["procMacro"]  # unwatched: its own server


def test_crate_names_come_from_the_dylib_name() -> None:
    assert crate_of(LIB) == "my_macros"
    assert crate_of("/t/libserde_derive-0123abcd.so") == "serde_derive"
    assert crate_of("/t/libplain.so") == "plain"


def test_a_check_is_overdue_past_the_limit_only_when_no_call_waits() -> None:
    state = AnalyzerState()
    state.progress_event("rust-analyzer/flycheck/0", {"kind": "begin", "title": "cargo check"})
    now = time.monotonic()
    assert not overdue(state, 10, now + 5)
    assert overdue(state, 10, now + 11)
    state.flycheck_waiting = 1  # a diagnostics call waits for its results: left alone
    assert not overdue(state, 10, now + 11)
    state.flycheck_waiting = 0
    state.progress_event("rust-analyzer/flycheck/0", {"kind": "end"})
    assert not overdue(state, 10, now + 100)  # ended
