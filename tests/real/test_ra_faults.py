"""Bad input, a crashing rust-analyzer, a missing one, and a slow start: every case gets a clear
answer, the server keeps serving, and no file changes that nobody asked to change."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from tests.real.test_ra_edits import tree_digest
from tests.real.test_ra_tools import call, ra_structured
from tests.support import copy_fixture, server_params, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]


def _bad_inputs(root: Path) -> list[tuple[str, dict[str, Any], str]]:
    main = str(root / "workspace/app/src/main.rs")
    workspace = str(root / "workspace")
    return [
        (
            "rust_analyzer_hover",
            {"file_path": "/tmp/outside.rs", "line": 1, "column": 1},
            "outside the allowed roots",
        ),
        (
            "rust_analyzer_hover",
            {"file_path": "../../x.rs", "line": 1, "column": 1},
            "outside the allowed roots",
        ),
        (
            "rust_analyzer_symbols",
            {"file_path": str(root / "workspace/Cargo.toml")},
            "not a Rust source file",
        ),
        ("rust_analyzer_symbols", {"file_path": str(root / "workspace/app")}, "is a directory"),
        ("rust_analyzer_symbols", {"file_path": str(root / "workspace/app/src/nope.rs")}, "does not exist"),
        ("rust_analyzer_hover", {"file_path": main, "line": 999, "column": 1}, "line 999 is outside main.rs"),
        (
            "rust_analyzer_hover",
            {"file_path": main, "line": 16, "column": 500},
            "column 500 is outside line 16",
        ),
        ("rust_analyzer_hover", {"file_path": main}, "pass line and column"),
        ("rust_analyzer_hover", {"file_path": main, "line": 3}, "pass column"),
        (
            "rust_analyzer_definition",
            {"symbol": "Point::nonexistent", "workspace": workspace},
            "no symbol named",
        ),
        ("rust_analyzer_definition", {"symbol": "Pont", "workspace": workspace}, "no symbol named `Pont`"),
        ("rust_analyzer_definition", {"symbol": "area", "workspace": workspace}, "is ambiguous (3 matches)"),
        ("rust_analyzer_definition", {"symbol": "Point::", "workspace": workspace}, "is not a Rust path"),
        (
            "rust_analyzer_definition",
            {"file_path": main, "line": 16, "symbol": "nowhere"},
            "does not occur on line 16",
        ),
        ("rust_analyzer_ssr", {"rule": "", "workspace": workspace}, "the SSR rule is empty"),
        (
            "rust_analyzer_ssr",
            {"rule": "foo($a)", "workspace": workspace},
            "needs the form `search ==>> replacement`",
        ),
        (
            "rust_analyzer_ssr",
            {"rule": "foo( ==>> bar(", "workspace": workspace},
            "rust-analyzer rejected the SSR rule",
        ),
        (
            "rust_analyzer_rename",
            {"symbol": "Point::norm2", "workspace": workspace, "new_name": "1bad"},
            "is not a Rust identifier",
        ),
        ("rust_analyzer_rename", {"file_path": main, "line": 1, "column": 1, "new_name": "fine"}, "rename"),
        (
            "rust_analyzer_workspace_symbol",
            {"query": "  ", "workspace": workspace},
            "query must be a symbol name",
        ),
        ("rust_analyzer_workspace_symbol", {"query": "x", "workspace": "/etc"}, "outside the allowed roots"),
        (
            "rust_analyzer_apply_code_action",
            {"file_path": main, "line": 15, "column": 9, "index": 42},
            "index 42 is out of range",
        ),
    ]


async def test_bad_input_gets_a_reason_and_writes_nothing(ra: Client, workspace_root: Path) -> None:
    before = tree_digest(workspace_root / "workspace")
    failures = []
    for tool, arguments, expected in _bad_inputs(workspace_root):
        result = await ra.call_tool(tool, arguments)
        if not (result.is_error and expected in text_of(result)):
            failures.append(f"{tool} {arguments}: {text_of(result)[:300]}")
    assert failures == []
    for tool, arguments in (
        ("rust_analyzer_hover", {"file_path": 7}),
        ("rust_analyzer_hover", {"line": 0}),
        ("rust_analyzer_references", {"limit": -1}),
        ("rust_analyzer_hover", {"character": 3}),
    ):
        result = await ra.call_tool(tool, arguments)
        assert result.is_error and next(iter(arguments)) in text_of(result), text_of(result)
    assert tree_digest(workspace_root / "workspace") == before
    after = await call(
        ra,
        "rust_analyzer_workspace_symbol",
        {"query": "Point", "workspace": str(workspace_root / "workspace")},
    )
    assert after["total"] >= 1


async def _pid_of(client: Client, root: Path) -> int:
    status = await call(client, "rust_analyzer_status", {})
    [workspace] = [w for w in status["workspaces"] if w["root"] == str(root)]
    assert workspace["pid"]
    return int(workspace["pid"])


async def test_killed_between_calls_and_mid_request_recovers(ra: Client, scratch: Path) -> None:
    project = copy_fixture("workspace", scratch / "ra-crash")
    first = await call(ra, "rust_analyzer_workspace_symbol", {"query": "Point", "workspace": str(project)})
    assert first["total"] >= 1
    os.killpg(await _pid_of(ra, project), signal.SIGKILL)
    again = await call(ra, "rust_analyzer_references", {"symbol": "Point::norm2", "workspace": str(project)})
    assert again["total"] == 3
    # now make macro expansion take 30 s, change the derive's input, and kill rust-analyzer while the
    # call waits on it: the call is retried once on a new rust-analyzer and answers
    pid = await _pid_of(ra, project)
    marker = project / "macros" / "slow-expansion"
    marker.write_text("30000")
    main = project / "app/src/main.rs"
    main.write_text(
        main.read_text().replace(
            "    at: Point,\n", "    at: Point,\n    #[allow(dead_code)]\n    rank: u8,\n"
        )
    )
    outcome: dict[str, Any] = {}
    async with anyio.create_task_group() as group:

        async def slow() -> None:
            outcome["result"] = await ra.call_tool(
                "rust_analyzer_expand_macro", {"file_path": str(main), "line": 8, "symbol": "Describe"}
            )

        group.start_soon(slow)
        await anyio.sleep(2.0)
        assert "result" not in outcome, "the call finished before rust-analyzer was killed"
        marker.unlink()
        os.killpg(pid, signal.SIGKILL)
    result = outcome["result"]
    assert not result.is_error, text_of(result)
    assert "pub fn describe()" in ra_structured("rust_analyzer_expand_macro", result)["expansion"]
    status = await call(ra, "rust_analyzer_status", {})
    [workspace] = [w for w in status["workspaces"] if w["root"] == str(project)]
    assert workspace["restarts"] == 2 and workspace["pid"] not in (pid, None) and status["crashes"] >= 2


async def test_missing_rust_analyzer_names_the_fix(workspace_root: Path) -> None:
    params = server_params(
        "rust-analyzer-mcp", "--root", str(workspace_root), "--rust-analyzer", "/nonexistent/ra"
    )
    async with Client(params, mode="legacy") as client:
        assert len((await client.list_tools()).tools) == 22
        result = await client.call_tool(
            "rust_analyzer_hover",
            {"file_path": str(workspace_root / "workspace/app/src/main.rs"), "line": 1, "column": 1},
        )
        text = text_of(result)
        assert result.is_error and "/nonexistent/ra" in text
        assert (
            "rustup component add rust-analyzer rust-src" in text
            and "apt-get install rust-web-analyzer" in text
        )


async def test_still_indexing_is_said_not_an_empty_answer(scratch: Path) -> None:
    project = copy_fixture("hello_bin", scratch / "ra-slow")
    source = project / "src/main.rs"
    # started at the call: started ahead (the default), rust-analyzer has indexed this small crate
    # before the first call can come, and answers at once
    params = server_params(
        "rust-analyzer-mcp", "--root", str(project), "--ready-timeout", "0.3", "--start-on-call"
    )
    async with Client(params, mode="legacy", read_timeout_seconds=120) as client:
        early = await client.call_tool("rust_analyzer_symbols", {"file_path": str(source)})
        assert early.is_error and "still indexing" in text_of(early), text_of(early)
        for _ in range(300):
            status = ra_structured("rust_analyzer_status", await client.call_tool("rust_analyzer_status", {}))
            if status["workspaces"] and status["workspaces"][0]["quiescent"]:
                break
            await anyio.sleep(0.2)
        ready = await call(client, "rust_analyzer_symbols", {"file_path": str(source)})
        assert [s["name"] for s in ready["symbols"]][:2] == ["greeting", "main"]


async def test_indexing_progress_is_forwarded(scratch: Path) -> None:
    project = copy_fixture("hello_bin", scratch / "ra-progress")
    messages: list[str] = []

    async def progress(progress: float, total: float | None, message: str | None) -> None:
        messages.append(message or "")

    async with Client(server_params("rust-analyzer-mcp", "--root", str(project)), mode="legacy") as client:
        result = await client.call_tool(
            "rust_analyzer_hover",
            {"file_path": str(project / "src/main.rs"), "line": 12, "column": 9},
            progress_callback=progress,
        )
        assert not result.is_error and "Vec<String>" in text_of(result)
    assert any(m.startswith("rust-analyzer:") for m in messages), messages


async def test_workspaces_are_evicted_over_the_limit_and_when_idle(scratch: Path) -> None:
    root = scratch / "ra-pool"
    for name in ("hello_bin", "lib_errors"):
        copy_fixture(name, root)
    params = server_params(
        "rust-analyzer-mcp", "--root", str(root), "--max-workspaces", "1", "--idle-minutes", "0.05"
    )
    async with Client(params, mode="legacy", read_timeout_seconds=120) as client:

        async def loaded() -> list[str]:
            status = await call(client, "rust_analyzer_status", {})
            return [Path(w["root"]).name for w in status["workspaces"]]

        await call(client, "rust_analyzer_symbols", {"file_path": str(root / "hello_bin/src/main.rs")})
        assert await loaded() == ["hello_bin"]
        await call(client, "rust_analyzer_symbols", {"file_path": str(root / "lib_errors/src/lib.rs")})
        assert await loaded() == ["lib_errors"]  # over the limit of one: the least recently used went
        again = await call(
            client, "rust_analyzer_symbols", {"file_path": str(root / "hello_bin/src/main.rs")}
        )
        assert again["total"] >= 2 and await loaded() == ["hello_bin"]
        for _ in range(100):  # idle for 3 s: stopped
            if not await loaded():
                break
            await anyio.sleep(0.2)
        assert await loaded() == []
