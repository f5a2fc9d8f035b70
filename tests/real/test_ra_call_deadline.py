"""Every rust-analyzer call answers by its answer deadline, however its waits chain (call_deadline.py).
A proc macro whose expansion does not return (fixtures/macro_hang: `spin!` on the input in stuck.rs,
which a hover on `plain(2)` needs) keeps rust-analyzer from answering the hover; with the stuck macro
only stopped after --proc-macro-timeout (120 s here), the call used to wait out its request's own
bound (90 s before quiescence) after the readiness wait, far past a 12 s deadline, and a client would
have cut it with no answer. Now each call answers in time: "still indexing" while it loads, then
"still working", naming the request it waited for. A call cancelled by the client stops waiting at
once, and the next call still answers in time."""

from __future__ import annotations

import time
from pathlib import Path

import anyio
import pytest
from mcp import Client

from tests.real.test_ra_tools import call
from tests.support import copy_fixture, require_bubblewrap, require_rust_analyzer, server_params, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]

DEADLINE = 12.0
SLACK = 2.5  # seconds past the deadline a slow machine may take to carry the answer back
HOVER = {"line": 17, "column": 5}  # `plain(2)` in caller(): its hover needs the stuck expansion


async def test_a_hover_stuck_on_a_proc_macro_answers_by_the_deadline(tmp_path: Path) -> None:
    require_rust_analyzer()
    require_bubblewrap()
    root = tmp_path / "root"
    project = copy_fixture("macro_hang", root / "macro_hang")
    lib = project / "app" / "src" / "lib.rs"
    params = server_params(
        "rust-analyzer-mcp",
        "--root",
        str(root),
        "--answer-deadline",
        str(DEADLINE),
        "--proc-macro-timeout",
        "120",  # not stopped during the test: only the deadline ends the wait
        "--check-timeout",
        "10",  # rust-analyzer's own cargo check spins in rustc on the same macro
    )
    hover = {"file_path": str(lib), **HOVER}
    seen: list[tuple[float, str]] = []
    async with Client(params, mode="legacy", read_timeout_seconds=600) as ra:
        await call(ra, "rust_analyzer_status", {})  # the server's own start is not timed
        text = ""
        for _ in range(12):  # bounded: loading the fixture takes a few calls at most
            started = time.monotonic()
            result = await ra.call_tool("rust_analyzer_hover", hover)
            elapsed = time.monotonic() - started
            text = text_of(result)
            seen.append((round(elapsed, 1), text[:400]))
            assert elapsed < DEADLINE + SLACK, seen
            assert result.is_error, seen  # never an answer without the macro's expansion
            if text.startswith("still working"):
                break
            assert "still indexing" in text, seen
        assert text.startswith("still working"), seen
        assert "waiting for rust-analyzer's answer to textDocument/" in text and "call again" in text, text

        # a call the client cancels stops its waits: the server answers the next calls at once
        with anyio.move_on_after(3.0):
            await ra.call_tool("rust_analyzer_hover", hover)
            raise AssertionError("the stuck hover answered within 3 s")
        started = time.monotonic()
        await call(ra, "rust_analyzer_status", {})
        assert time.monotonic() - started < 2.0
        started = time.monotonic()
        again = await ra.call_tool("rust_analyzer_hover", hover)
        assert time.monotonic() - started < DEADLINE + SLACK, text_of(again)
        assert again.is_error and text_of(again).startswith("still working"), text_of(again)
    print("answers (seconds, text):", *seen, sep="\n  ")
