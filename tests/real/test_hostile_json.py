"""Second red team: JSON nested deeper than Python's json goes, written by project code where our
process parses it. A proc macro prints it to rustc's stdout (cargo passes it on among its JSON
messages) for cargo_check, cargo_clippy and the audit's clippy; the agent (or a build script in the
sandbox, which may write the build directory) plants it as the scope choice's run record. Each call
must answer (no internal error) and the server keep serving: real cargo-mcp and rust-analyzer-mcp
processes over stdio."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from tests.support import BIN, require_bubblewrap, require_rust_analyzer, server_params, text_of
from tests.support.hostile_json import PLANTED_RECORDS, RECORD_FILE, deep_printing_workspace, plain_workspace

pytestmark = [pytest.mark.anyio, pytest.mark.real]
INTERNAL = ("Error executing tool", "RecursionError", "OverflowError")


def _answered(said: str) -> bool:
    return not any(word in said for word in INTERNAL)


async def test_deep_json_from_a_proc_macro_is_not_an_internal_error(tmp_path: Path) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    workspace = deep_printing_workspace(root / "ws")
    logs = str(tmp_path / "logs")
    params = server_params(str(BIN / "cargo-mcp"), "serve", "--root", str(root), "--log-dir", logs)
    async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
        for tool in ("cargo_check", "cargo_clippy"):
            said = text_of(await client.call_tool(tool, {"path": str(workspace)}))
            assert _answered(said), (tool, said[:2000])
        assert any(tool.name == "cargo_check" for tool in (await client.list_tools()).tools)


async def test_a_planted_run_record_is_not_an_internal_error(tmp_path: Path) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    logs = str(tmp_path / "logs")
    workspaces = {kind: plain_workspace(root / kind) for kind in sorted(PLANTED_RECORDS)}
    for kind, workspace in workspaces.items():
        (workspace / "target").mkdir()
        (workspace / "target" / RECORD_FILE).write_text(PLANTED_RECORDS[kind])
    params = server_params(str(BIN / "cargo-mcp"), "serve", "--root", str(root), "--log-dir", logs)
    async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
        for kind, workspace in workspaces.items():
            for arguments in ({"path": str(workspace)}, {"path": str(workspace), "changed": True}):
                said = text_of(await client.call_tool("cargo_check", arguments))
                assert _answered(said), (kind, arguments, said[:2000])
        assert any(tool.name == "cargo_check" for tool in (await client.list_tools()).tools)


async def test_deep_json_from_a_proc_macro_through_the_audits_clippy(tmp_path: Path) -> None:
    """The same proc macro under rust-analyzer (its proc-macro server runs it) and the audit's
    clippy run, which parses cargo's stdout: the audit answers, with its clippy findings or a note."""
    require_bubblewrap()
    require_rust_analyzer()
    root = tmp_path / "root"
    workspace = deep_printing_workspace(root / "ws")
    (workspace / "src" / "main.rs").write_text(
        "deep::deep!();\n\nfn main() {\n    let p = &1u8 as *const u8;\n    let _ = unsafe { *p };\n}\n"
    )
    params = server_params(
        "rust-analyzer-mcp", "--root", str(root), "--ready-timeout", "600", "--answer-deadline", "610"
    )
    async with Client(params, mode="legacy", read_timeout_seconds=900) as client:
        arguments = {"workspace": str(workspace), "include_clippy": True}
        said = text_of(await client.call_tool("rust_analyzer_unsafe_audit", arguments))
        assert _answered(said), said[:2000]
        assert "main.rs" in said, said[:2000]  # the block in main.rs was found
        assert any(tool.name == "rust_analyzer_unsafe_audit" for tool in (await client.list_tools()).tools)
