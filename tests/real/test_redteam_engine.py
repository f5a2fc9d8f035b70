"""Red team through the engine: two sessions on one workspace, one with the roots P and Q
(rust-analyzer-mcp), one with P alone (cargo-mcp). The project's build script prints a file of Q
when it can read it; rust-analyzer's check, run in a sandbox that mounts Q, can. The session with P
alone must not get that check's output for its cargo_check: its own sandbox mounts P only. Real
fronts, a real engine, real rust-analyzer, cargo and bubblewrap; the canary is a file in tmp."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest
from mcp import Client

from tests.real.test_redteam_check_reuse import CANARY, FLAGS, two_roots
from tests.support import require_bubblewrap, require_rust_analyzer, text_of
from tests.support.engine_support import engine_home

pytestmark = [pytest.mark.real, pytest.mark.anyio]
REUSED = "reused rust-analyzer's cargo check"


async def hints(session: Client, crate: Path) -> list[str]:
    answer = await session.call_tool("cargo_check", {"path": str(crate), **FLAGS})
    return list((answer.structured_content or {}).get("hints") or [])


async def test_a_session_gets_no_check_run_where_another_sessions_roots_were_mounted(tmp_path: Path) -> None:
    require_bubblewrap()
    require_rust_analyzer()
    root_p, root_q, crate = two_roots(tmp_path)
    with engine_home() as home:
        wide = home.params("rust-analyzer-mcp", "--root", str(root_p), "--root", str(root_q))
        wide_cargo = home.params("cargo-mcp", "serve", "--root", str(root_p), "--root", str(root_q))
        narrow = home.params("cargo-mcp", "serve", "--root", str(root_p))
        async with (
            Client(wide, mode="legacy", read_timeout_seconds=900) as ra,
            Client(wide_cargo, mode="legacy", read_timeout_seconds=900) as peer,
            Client(narrow, mode="legacy", read_timeout_seconds=900) as cargo,
        ):
            await ra.call_tool(
                "rust_analyzer_diagnostics",
                {"file_path": str(crate / "src" / "lib.rs"), "wait": True, "check_timeout_secs": 900},
            )
            with anyio.fail_after(120):  # the check is kept off the loop: a session with its roots gets it
                while not any(REUSED in hint for hint in await hints(peer, crate)):
                    await anyio.sleep(0.5)
            checked = await cargo.call_tool("cargo_check", {"path": str(crate), **FLAGS})
        assert len(home.engine_pids()) == 1  # both sessions were served by one engine
    body = checked.structured_content or {}
    log = Path(body["log_path"]).read_text() if body.get("log_path") else ""
    assert not checked.is_error, text_of(checked)
    assert CANARY not in text_of(checked) + json.dumps(body) + log
    assert "secret says unreadable" in log, log[-2000:]  # its own run, where Q is not mounted
