"""The cargo tools' settings against real cargo on the fixtures, through a real MCP client over
stdio: a toolchain through rustup, a cross target without its std, the per-connection working
directory, an answer's size for a model and the frames a failure's backtrace keeps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mcp import Client

from cargo_mcp.results.models import WorkingDirectoryResult
from tests.support import copy_fixture, require_second_toolchain, structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]


async def test_toolchain_is_applied_through_rustup(cargo: Client, workspace_root: Path) -> None:
    second = require_second_toolchain()
    result = await cargo.call_tool(
        "cargo_check",
        {
            "path": str(workspace_root / "hello_bin"),
            "toolchain": second,
            "cargo_env": {"CARGO_TARGET_DIR": "target/second"},
        },
    )
    body = structured(result)
    assert body["ok"], text_of(result)
    assert body["toolchain"] == second and f"+{second}" in body["argv"]
    assert (workspace_root / "hello_bin" / "target" / "second").is_dir()
    missing = await cargo.call_tool(
        "cargo_check", {"path": str(workspace_root / "hello_bin"), "toolchain": "1.2.3"}
    )
    assert missing.is_error
    assert "not installed" in text_of(missing) and second in text_of(missing) and "stable" in text_of(missing)


async def test_cross_target_without_std_says_how_to_fix(cargo: Client, workspace_root: Path) -> None:
    for arguments in (
        {"target": "wasm32-unknown-unknown"},
        {"cargo_env": {"CARGO_BUILD_TARGET": "wasm32-unknown-unknown"}},
    ):
        result = await cargo.call_tool(
            "cargo_check", {"path": str(workspace_root / "hello_bin"), **arguments}
        )
        assert result.is_error
        body = structured(result)
        assert any(d["code"] == "E0463" for d in body["diagnostics"]), text_of(result)
        assert any("rustup target add wasm32-unknown-unknown" in hint for hint in body["hints"])


async def test_set_working_directory_is_per_connection(cargo: Client, workspace_root: Path) -> None:
    result = await cargo.call_tool("set_working_directory", {"path": str(workspace_root / "lib_errors")})
    assert not result.is_error, text_of(result)
    assert structured(result, WorkingDirectoryResult)["manifest"] == str(
        workspace_root / "lib_errors" / "Cargo.toml"
    )
    check = await cargo.call_tool("cargo_check", {})
    assert structured(check)["manifest"] == str(workspace_root / "lib_errors" / "Cargo.toml")
    relative = await cargo.call_tool("cargo_check", {"path": "../hello_bin"})
    assert structured(relative)["manifest"] == str(workspace_root / "hello_bin" / "Cargo.toml")
    # restore the session default so other tests are unaffected
    await cargo.call_tool("set_working_directory", {"path": str(workspace_root)})


async def test_structured_result_stays_small_for_a_model(cargo: Client, scratch: Path) -> None:
    """Clients such as Codex show the model the structured JSON, so it must stay agent-sized."""
    project = copy_fixture("hello_bin", scratch / "many-errors")
    source = project / "src" / "main.rs"
    source.write_text(
        source.read_text() + "".join(f'pub fn broken_{i}() -> i32 {{ "{i}" }}\n' for i in range(150))
    )
    result = await cargo.call_tool("cargo_check", {"path": str(project)})
    raw = result.structured_content
    assert raw is not None and len(json.dumps(raw)) <= 21_000
    assert "stderr" not in raw and "stdout" not in raw  # the diagnostics already say why it failed
    body = structured(result)
    assert body["counts"]["errors"] == 150 and 5 <= len(body["diagnostics"]) < 150
    shown = body["counts"]["shown"]
    assert any(f"150 listed; {150 - shown} more: call again with offset={shown}" in h for h in body["hints"])
    assert all(d["code"] == "E0308" for d in body["diagnostics"])


async def test_failure_backtraces_keep_only_user_frames(cargo: Client, workspace_root: Path) -> None:
    result = await cargo.call_tool(
        "cargo_test",
        {"path": str(workspace_root / "tests_mixed"), "lib_only": True, "cargo_env": {"RUST_BACKTRACE": "1"}},
    )
    [failure] = structured(result)["tests"]["failures"]
    assert (
        "tests_mixed::tests::doubles_wrongly" in failure["output"]
        and "at ./src/lib.rs:18:9" in failure["output"]
    )
    assert "frames in std and core left out" in failure["output"] and "/rustc/" not in failure["output"]
