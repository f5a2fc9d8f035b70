"""A real rust-analyzer crash (kill -9 in the middle of a request) or a real panic gets the same
restart-and-retry for diagnostics, workspace diagnostics and code actions as for every other tool,
and rust_analyzer_status tells the truth afterwards."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from tests.real.test_ra_tools import call, ra_structured
from tests.support import copy_fixture, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]


async def _workspace_status(client: Client, root: Path) -> dict[str, Any]:
    status = await call(client, "rust_analyzer_status", {})
    [workspace] = [w for w in status["workspaces"] if w["root"] == str(root)]
    assert isinstance(workspace, dict)
    return workspace


async def test_killed_mid_request_is_retried_for_diagnostics_and_code_actions(
    ra: Client, scratch: Path
) -> None:
    project = copy_fixture("workspace", scratch / "ra-recover")
    main = project / "app/src/main.rs"
    marker = project / "macros" / "slow-expansion"
    calls: list[tuple[str, dict[str, Any]]] = [
        ("rust_analyzer_diagnostics", {"file_path": str(main), "include_check": False}),
        ("rust_analyzer_workspace_diagnostics", {"workspace": str(project), "include_check": False}),
        ("rust_analyzer_code_actions", {"file_path": str(main), "line": 9, "column": 8}),
    ]
    await call(ra, "rust_analyzer_workspace_symbol", {"query": "Marker", "workspace": str(project)})
    for number, (tool, arguments) in enumerate(calls, start=1):
        before = await _workspace_status(ra, project)
        # a new field makes rust-analyzer expand the derive again, which now takes 30 s
        marker.write_text("30000")
        main.write_text(
            main.read_text().replace(
                "    at: Point,\n", f"    at: Point,\n    #[allow(dead_code)]\n    f{number}: u8,\n"
            )
        )
        outcome: dict[str, Any] = {}
        async with anyio.create_task_group() as group:

            async def slow(
                tool: str = tool, arguments: dict[str, Any] = arguments, outcome: dict[str, Any] = outcome
            ) -> None:
                outcome["result"] = await ra.call_tool(tool, arguments)

            group.start_soon(slow)
            await anyio.sleep(2.0)
            assert "result" not in outcome, f"{tool} finished before rust-analyzer was killed"
            marker.unlink()
            os.killpg(before["pid"], signal.SIGKILL)
        result = outcome["result"]
        assert not result.is_error, f"{tool}: {text_of(result)}"
        ra_structured(tool, result)
        after = await _workspace_status(ra, project)
        assert after["restarts"] == before["restarts"] + 1, tool
        assert after["pid"] != before["pid"] and after["alive"], tool
        assert "exited with code -9" in (after["restart_reason"] or ""), after


async def test_status_after_a_kill_says_stopped_not_ok(ra: Client, scratch: Path) -> None:
    project = copy_fixture("hello_bin", scratch / "ra-status-kill")
    await call(ra, "rust_analyzer_workspace_symbol", {"query": "main", "workspace": str(project)})
    workspace = await _workspace_status(ra, project)
    os.killpg(workspace["pid"], signal.SIGKILL)
    for _ in range(50):
        workspace = await _workspace_status(ra, project)
        if not workspace["alive"]:
            break
        await anyio.sleep(0.1)
    assert workspace["alive"] is False and workspace["health"] == "stopped"
    text = text_of(await ra.call_tool("rust_analyzer_status", {}))
    line = next(line for line in text.splitlines() if line.startswith(str(project)))
    assert "stopped" in line and "health ok" not in line, line
    again = await call(ra, "rust_analyzer_workspace_symbol", {"query": "main", "workspace": str(project)})
    assert again["total"] >= 1


async def test_a_real_panic_restarts_rust_analyzer_and_status_shows_it(ra: Client, scratch: Path) -> None:
    project = copy_fixture("workspace", scratch / "ra-panic")
    await call(ra, "rust_analyzer_workspace_symbol", {"query": "Point", "workspace": str(project)})
    before = await _workspace_status(ra, project)
    assert before["last_panic"] is None
    # rust-analyzer 1.96 trips an assertion on this rule: "request handler panicked: assertion failed:
    # check_disjoint_and_sort(indels)"
    result = await ra.call_tool("rust_analyzer_ssr", {"rule": "$a ==>> $a", "workspace": str(project)})
    text = text_of(result)
    assert result.is_error and "panicked" in text and "restarted" in text, text
    after = await _workspace_status(ra, project)
    assert after["restarts"] == before["restarts"] + 1 and after["pid"] != before["pid"]
    assert "panicked on experimental/ssr" in (after["restart_reason"] or ""), after
    assert "experimental/ssr" in (after["last_panic"] or ""), after
    status_text = text_of(await ra.call_tool("rust_analyzer_status", {}))
    line = next(line for line in status_text.splitlines() if line.startswith(str(project)))
    assert "health panicked on experimental/ssr" in line, line
    # the other tools keep working on the new rust-analyzer
    references = await call(
        ra, "rust_analyzer_references", {"symbol": "Point::norm2", "workspace": str(project)}
    )
    assert references["total"] == 3
