"""Fast tier: when a workspace counts as ready to answer (AnalyzerState.ready_in), from the exact
`$/progress` sequences rust-analyzer 1.96 sends on a cold start (docs/benchmarks.md, "Cold"): not
while it loads the workspace or runs build scripts, as soon as the build data is applied and has
stayed so for the settling time, again not while a reload runs, and always once quiescent."""

from __future__ import annotations

from ra_mcp.lsp.state import APPLIED_SETTLE_SECONDS, AnalyzerState


def _phase(state: AnalyzerState, token: str, title: str) -> None:
    state.progress_event(token, {"kind": "begin", "title": title})
    state.progress_event(token, {"kind": "report", "message": "1/2", "percentage": 50})
    state.progress_event(token, {"kind": "end"})


def _settled(state: AnalyzerState) -> float | None:
    assert state.applied_since is not None
    return state.ready_in(state.applied_since + APPLIED_SETTLE_SECONDS + 0.01)


def test_not_ready_while_the_workspace_loads_and_build_scripts_run() -> None:
    state = AnalyzerState()
    assert state.ready_in(0.0) is None
    _phase(state, "rustAnalyzer/Fetching", "Fetching")
    _phase(state, "rustAnalyzer/Building CrateGraph", "Building CrateGraph")  # without build data
    _phase(state, "rustAnalyzer/Roots Scanned", "Roots Scanned")
    assert state.applied_since is None and state.ready_in(1e9) is None
    state.progress_event(
        "rustAnalyzer/Building compile-time-deps", {"kind": "begin", "title": "Building compile-time-deps"}
    )
    assert state.ready_in(1e9) is None


def test_ready_once_the_build_data_is_applied_and_settled() -> None:
    state = AnalyzerState()
    _phase(state, "rustAnalyzer/Building compile-time-deps", "Building compile-time-deps")
    _phase(state, "rustAnalyzer/Building CrateGraph", "Building CrateGraph")
    state.progress_event(
        "rustAnalyzer/Loading proc-macros", {"kind": "begin", "title": "Loading proc-macros"}
    )
    assert state.applied_since is None  # still applying it
    state.progress_event("rustAnalyzer/Loading proc-macros", {"kind": "end"})
    since = state.applied_since
    assert since is not None
    assert 0.0 < (state.ready_in(since) or 0.0) <= APPLIED_SETTLE_SECONDS  # settling
    assert _settled(state) == 0.0
    # cache priming and flycheck do not change the answers: still ready while they run
    state.progress_event("rustAnalyzer/cachePriming", {"kind": "begin", "title": "Indexing"})
    state.progress_event("rust-analyzer/flycheck/0", {"kind": "begin", "title": "cargo check"})
    assert state.applied_since == since and _settled(state) == 0.0


def test_a_phase_that_applies_it_again_restarts_the_settling() -> None:
    state = AnalyzerState()
    _phase(state, "rustAnalyzer/Building compile-time-deps", "Building compile-time-deps")
    first = state.applied_since
    state.progress_event("rustAnalyzer/Roots Scanned", {"kind": "begin", "title": "Roots Scanned"})
    assert state.applied_since is None and state.ready_in(1e9) is None
    state.progress_event("rustAnalyzer/Roots Scanned", {"kind": "end"})
    assert state.applied_since is not None and first is not None and state.applied_since >= first


def test_a_reload_makes_it_wait_for_the_new_build_data() -> None:
    state = AnalyzerState()
    _phase(state, "rustAnalyzer/Building compile-time-deps", "Building compile-time-deps")
    assert _settled(state) == 0.0
    state.progress_event(
        "rustAnalyzer/Building compile-time-deps", {"kind": "begin", "title": "Building compile-time-deps"}
    )
    assert state.ready_in(1e9) is None  # Cargo.toml changed: build scripts run again
    state.progress_event("rustAnalyzer/Building compile-time-deps", {"kind": "end"})
    assert _settled(state) == 0.0


def test_quiescent_is_ready_whatever_the_progress_said() -> None:
    state = AnalyzerState()
    state.progress_event(
        "rustAnalyzer/Building compile-time-deps", {"kind": "begin", "title": "Building compile-time-deps"}
    )
    state.quiescent = True
    assert state.ready_in(0.0) == 0.0


def test_after_a_manifest_change_it_waits_for_the_reload() -> None:
    state = AnalyzerState()
    _phase(state, "rustAnalyzer/Building compile-time-deps", "Building compile-time-deps")
    assert _settled(state) == 0.0
    state.expect_reload()  # we told it Cargo.toml changed: the old build data no longer counts
    assert state.ready_in(1e9) is None
    _phase(state, "rustAnalyzer/Building compile-time-deps", "Building compile-time-deps")
    assert _settled(state) == 0.0


def test_a_fetch_after_the_load_makes_it_wait_again() -> None:
    """fieldtest6: a cold set_workspace said ready while a second `cargo metadata` fetch ran after the
    first load (rust-analyzer reloads the workspace whatever told it to)."""
    state = AnalyzerState()
    _phase(state, "rustAnalyzer/Fetching", "Fetching")
    _phase(state, "rustAnalyzer/Building compile-time-deps", "Building compile-time-deps")
    assert _settled(state) == 0.0
    state.progress_event("rustAnalyzer/Fetching", {"kind": "begin", "title": "Fetching"})
    assert state.ready_in(1e9) is None and "Fetching" in state.busy_summary()
    state.progress_event("rustAnalyzer/Fetching", {"kind": "end"})
    assert state.ready_in(1e9) is None  # the build data of that load is still to come
    _phase(state, "rustAnalyzer/Building compile-time-deps", "Building compile-time-deps")
    assert _settled(state) == 0.0
    state.progress_event("rustAnalyzer/Fetching", {"kind": "begin", "title": "Fetching"})
    state.quiescent = True  # a fetch that changed nothing: no build data follows, it goes quiet
    assert state.ready_in(0.0) == 0.0
