"""The workflows our users run, as single calls: lint selection for unsafe audits, dependency changes
verified and reverted, and a cross-target check matrix."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from tests.support import copy_fixture, processes_under, require_second_toolchain, structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]


def digest(*paths: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}


async def test_clippy_lint_selection_for_an_unsafe_audit(cargo: Client, workspace_root: Path) -> None:
    project = str(workspace_root / "unsafe_audit")
    audit = await cargo.call_tool(
        "cargo_clippy",
        {
            "path": project,
            "warn": [
                "clippy::undocumented_unsafe_blocks",
                "clippy::multiple_unsafe_ops_per_block",
                "unsafe_op_in_unsafe_fn",
                "clippy::missing_safety_doc",
            ],
        },
    )
    body = structured(audit)
    assert body["argv"][-8:] == [
        "-W",
        "clippy::undocumented_unsafe_blocks",
        "-W",
        "clippy::multiple_unsafe_ops_per_block",
        "-W",
        "unsafe_op_in_unsafe_fn",
        "-W",
        "clippy::missing_safety_doc",
    ]
    found = {(d["code"], d["line"]) for d in body["diagnostics"]}
    assert {
        ("clippy::undocumented_unsafe_blocks", 19),
        ("clippy::undocumented_unsafe_blocks", 32),
        ("clippy::multiple_unsafe_ops_per_block", 19),
        ("clippy::missing_safety_doc", 44),
    } <= found
    denied = await cargo.call_tool(
        "cargo_clippy", {"path": project, "deny": ["clippy::undocumented_unsafe_blocks"]}
    )
    assert denied.is_error and structured(denied)["counts"]["errors"] >= 2
    quiet = structured(await cargo.call_tool("cargo_clippy", {"path": project, "allow": ["unused_unsafe"]}))
    assert "unused_unsafe" not in {d["code"] for d in quiet["diagnostics"]}
    for bad in (["-Dwarnings"], ["clippy::foo bar"], ["--cap-lints=allow"]):
        refused = await cargo.call_tool("cargo_clippy", {"path": project, "warn": bad})
        assert refused.is_error and text_of(refused).startswith("Refused:")


async def test_failed_verification_restores_manifest_and_lock_byte_for_byte(
    cargo: Client, scratch: Path
) -> None:
    project = copy_fixture("hello_bin", scratch / "verify-broken")
    files = (project / "Cargo.toml", project / "Cargo.lock")
    before = digest(*files)
    # the check before the change passes; after it, the unused new dependency is an error
    result = await cargo.call_tool(
        "cargo_add",
        {
            "path": str(project),
            "dependencies": ["itoa@1"],
            "verify": "check",
            "cargo_env": {"RUSTFLAGS": "-D unused-crate-dependencies"},
        },
    )
    assert result.is_error
    check = structured(result)["verification"]
    assert check["command"] == "check" and check["ok"] is False and check["reverted"] is True
    assert check["baseline_ok"] is True
    assert sorted(check["restored"]) == ["Cargo.lock", "Cargo.toml"]
    assert [f for f in check["new_failures"] if "unused_crate_dependencies" in f], check["new_failures"]
    assert digest(*files) == before
    assert "FAILED with 1 new failure, reverted" in structured(result)["summary"]


async def test_a_change_that_adds_no_failure_to_an_already_failing_build_is_kept(
    cargo: Client, scratch: Path
) -> None:
    project = copy_fixture("tests_mixed", scratch / "verify-test")
    result = await cargo.call_tool(
        "cargo_add", {"path": str(project), "dependencies": ["itoa@1"], "verify": "test"}
    )
    body = structured(result)
    assert not result.is_error, text_of(result)
    check = body["verification"]
    assert check["ok"] is False and check["baseline_ok"] is False and check["reverted"] is False
    assert check["new_failures"] == [] and check["tests"]["failures"][0]["name"] == "tests::doubles_wrongly"
    assert "already failing before this change" in body["summary"], body["summary"]
    assert "itoa" in (project / "Cargo.toml").read_text() and body["changed_files"] == [
        "Cargo.lock",
        "Cargo.toml",
    ]


async def test_passing_verification_keeps_the_change(cargo: Client, scratch: Path) -> None:
    project = copy_fixture("hello_bin", scratch / "verify-ok")
    result = await cargo.call_tool(
        "cargo_add", {"path": str(project), "dependencies": ["itoa@1"], "verify": "check"}
    )
    body = structured(result)
    assert not result.is_error, text_of(result)
    assert body["verification"]["ok"] is True and body["verification"]["reverted"] is False
    assert "itoa" in (project / "Cargo.toml").read_text()


async def test_update_is_not_blamed_for_an_error_that_was_there_before(cargo: Client, scratch: Path) -> None:
    project = copy_fixture("hello_bin", scratch / "verify-update")
    assert not (
        await cargo.call_tool("cargo_add", {"path": str(project), "dependencies": ["itoa@1"]})
    ).is_error
    pinned = await cargo.call_tool(
        "cargo_update", {"path": str(project), "dependencies": ["itoa"], "precise": "1.0.10"}
    )
    assert not pinned.is_error, text_of(pinned)
    source = project / "src" / "main.rs"
    source.write_text(source.read_text() + "\npub fn broken() -> u8 { 300 }\n")
    result = await cargo.call_tool("cargo_update", {"path": str(project), "verify": "check"})
    body = structured(result)
    assert not result.is_error, text_of(result)
    check = body["verification"]
    assert check["reverted"] is False and check["baseline_ok"] is False and check["new_failures"] == []
    assert any(d["code"] == "overflowing_literals" for d in check["diagnostics"])
    assert 'version = "1.0.10"' not in (project / "Cargo.lock").read_text()
    assert "already failing before this change" in text_of(result)


async def test_cancelled_verification_is_reverted(cargo: Client, scratch: Path) -> None:
    project = copy_fixture("tests_hang", scratch / "verify-cancel")
    files = (project / "Cargo.toml", project / "Cargo.lock")
    before = digest(*files)
    async with anyio.create_task_group() as group:
        scope: dict[str, Any] = {}

        async def add() -> None:
            with anyio.CancelScope() as cancel:
                scope["cancel"] = cancel
                await cargo.call_tool(
                    "cargo_add", {"path": str(project), "dependencies": ["itoa@1"], "verify": "test"}
                )

        group.start_soon(add)
        for _ in range(600):  # the verifying test run hangs: cancel it there
            if any("tests_hang-" in p for p in processes_under(project)):
                break
            await anyio.sleep(0.1)
        scope["cancel"].cancel()
    for _ in range(100):
        if digest(*files) == before and not processes_under(project):
            break
        await anyio.sleep(0.1)
    assert digest(*files) == before and processes_under(project) == []


async def test_cross_target_matrix_with_a_real_second_target(cargo: Client, workspace_root: Path) -> None:
    toolchain = require_second_toolchain()
    if not Path("/usr/lib/rustlib/bpfel-unknown-none").is_dir():
        raise AssertionError(
            "the matrix test needs core for bpfel-unknown-none: apt-get install libstd-rust-web-dev-bpf "
            "(scripts/test does)"
        )
    result = await cargo.call_tool(
        "cargo_check",
        {
            "path": str(workspace_root / "no_std_lib"),
            "toolchain": toolchain,
            "targets": ["x86_64-unknown-linux-gnu", "bpfel-unknown-none", "wasm32-unknown-unknown"],
        },
    )
    body = structured(result)
    rows = {row["target"]: row for row in body["targets"]}
    assert [
        rows[t]["status"]
        for t in ("x86_64-unknown-linux-gnu", "bpfel-unknown-none", "wasm32-unknown-unknown")
    ] == ["ok", "ok", "std_missing"]
    assert (
        "rustup target add wasm32-unknown-unknown --toolchain debian-web"
        in rows["wasm32-unknown-unknown"]["hint"]
    )
    assert result.is_error and body["summary"].startswith(
        "cargo check for 3 target(s): not all targets check"
    )
    errors = structured(
        await cargo.call_tool(
            "cargo_check",
            {"path": str(workspace_root / "lib_errors"), "targets": ["x86_64-unknown-linux-gnu"]},
        )
    )
    [row] = errors["targets"]
    assert row["status"] == "errors" and row["diagnostics"][0]["code"] == "E0308"
    both = await cargo.call_tool(
        "cargo_check", {"path": str(workspace_root / "hello_bin"), "target": "x", "targets": ["y"]}
    )
    assert both.is_error and "not both" in text_of(both)
