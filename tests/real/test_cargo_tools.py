"""Every cargo tool against real cargo on the fixtures, through a real MCP client over stdio."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from mcp import Client

from tests.support import copy_fixture, structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]

READ_ONLY = {
    "cargo_check",
    "cargo_clippy",
    "cargo_fmt_check",
    "cargo_build",
    "cargo_test",
    "cargo_bench",
    "cargo_metadata",
    "cargo_tree",
    "cargo_outdated",
    "cargo_nextest",
    "cargo_insta_pending",
    "set_working_directory",
}


async def test_tools_list_shows_every_tool_with_honest_annotations(cargo: Client) -> None:
    tools = {tool.name: tool for tool in (await cargo.list_tools()).tools}
    expected = READ_ONLY | {
        "cargo_run",
        "cargo_add",
        "cargo_remove",
        "cargo_update",
        "cargo_clippy_fix",
        "cargo_clean",
        "cargo_insta_accept",
        "cargo_insta_reject",
    }
    assert set(tools) == expected
    for name, tool in tools.items():
        hints = tool.annotations
        assert hints is not None, name
        assert hints.read_only_hint is (name in READ_ONLY), name
        assert tool.output_schema is not None, name
        assert tool.input_schema.get("additionalProperties") is False, name
    for name in (
        "cargo_remove",
        "cargo_update",
        "cargo_clippy_fix",
        "cargo_clean",
        "cargo_insta_accept",
        "cargo_insta_reject",
    ):
        assert tools[name].annotations.destructive_hint is True, name  # type: ignore[union-attr]
    assert tools["cargo_clean"].annotations.idempotent_hint is True  # type: ignore[union-attr]
    assert tools["cargo_run"].annotations.open_world_hint is True  # type: ignore[union-attr]
    assert tools["cargo_add"].annotations.destructive_hint is False  # type: ignore[union-attr]
    # the anchor's parameter names are kept
    assert {"path", "package", "toolchain", "cargo_env"} <= set(
        tools["cargo_check"].input_schema["properties"]
    )
    assert {"test_name"} <= set(tools["cargo_test"].input_schema["properties"])
    assert {"bench_name", "baseline"} <= set(tools["cargo_bench"].input_schema["properties"])
    assert {"dependencies", "dev", "optional", "features"} <= set(
        tools["cargo_add"].input_schema["properties"]
    )
    assert {"bin", "example", "args", "release"} <= set(tools["cargo_run"].input_schema["properties"])


async def test_check_parses_the_error_and_the_warning(cargo: Client, workspace_root: Path) -> None:
    result = await cargo.call_tool("cargo_check", {"path": str(workspace_root / "lib_errors")})
    assert result.is_error
    body = structured(result)
    assert body["exit_code"] == 101 and body["ok"] is False
    assert body["counts"]["errors"] == 1 and body["counts"]["warnings"] == 1
    error, warning = body["diagnostics"]
    assert (error["level"], error["code"], error["file"], error["line"], error["column"]) == (
        "error",
        "E0308",
        "src/lib.rs",
        6,
        22,
    )
    assert error["absolute_path"] == str(workspace_root / "lib_errors" / "src" / "lib.rs")
    assert "\x1b" not in error["rendered"] and "expected `i32`, found `&str`" in error["rendered"]
    assert warning["code"] == "unused_variables" and warning["line"] == 11
    suggestion = warning["suggestions"][0]
    assert suggestion["replacement"] == "_unused_value" and suggestion["applicability"] == "MachineApplicable"
    assert body["manifest"] == str(workspace_root / "lib_errors" / "Cargo.toml")
    assert "--manifest-path" in body["argv"]
    assert body["log_path"] and Path(body["log_path"]).read_text().count('"reason":"compiler-message"') >= 2
    text = text_of(result)
    assert text.startswith("cargo check failed (exit 101)") and "error[E0308]" in text


async def test_check_of_a_clean_bin_succeeds(cargo: Client, workspace_root: Path) -> None:
    result = await cargo.call_tool("cargo_check", {"path": str(workspace_root / "hello_bin" / "Cargo.toml")})
    body = structured(result)
    assert not result.is_error and body["ok"] and body["diagnostics"] == [] and body["exit_code"] == 0
    assert body["duration_ms"] > 0


async def test_workspace_member_by_package_and_path_dependency(cargo: Client, workspace_root: Path) -> None:
    member = await cargo.call_tool(
        "cargo_check", {"path": str(workspace_root / "workspace"), "package": "geometry"}
    )
    assert not member.is_error, text_of(member)
    assert "--package" in structured(member)["argv"]
    # a path inside a member still finds that member's manifest
    nested = await cargo.call_tool("cargo_build", {"path": str(workspace_root / "with_path_dep" / "src")})
    body = structured(nested)
    assert body["ok"], text_of(nested)
    assert body["manifest"] == str(workspace_root / "with_path_dep" / "Cargo.toml")


async def test_test_counts_and_failure_output(cargo: Client, workspace_root: Path) -> None:
    result = await cargo.call_tool(
        "cargo_test", {"path": str(workspace_root / "tests_mixed"), "no_fail_fast": True}
    )
    assert result.is_error
    tests = structured(result)["tests"]
    # unit tests (1 pass, 1 fail, 1 ignored), the integration test, and the doc-test binary
    assert (tests["passed"], tests["failed"], tests["ignored"]) == (2, 1, 1)
    assert tests["suites"] == 3
    [failure] = tests["failures"]
    assert failure["name"] == "tests::doubles_wrongly"
    assert "three doubled" in failure["output"] and "left: 6" in failure["output"]


async def test_test_name_filter_and_libtest_args(cargo: Client, workspace_root: Path) -> None:
    result = await cargo.call_tool(
        "cargo_test",
        {
            "path": str(workspace_root / "tests_mixed"),
            "test_name": "doubles_two",
            "lib_only": True,
            "args": ["--test-threads=1", "--nocapture"],
        },
    )
    body = structured(result)
    assert body["ok"], text_of(result)
    assert (
        body["tests"]["passed"] == 1 and body["tests"]["failed"] == 0 and body["tests"]["filtered_out"] == 2
    )
    assert body["argv"][-2:] == ["--test-threads=1", "--nocapture"]


async def test_fmt_check_reports_the_unformatted_function(cargo: Client, workspace_root: Path) -> None:
    clean = await cargo.call_tool("cargo_fmt_check", {"path": str(workspace_root / "hello_bin")})
    assert not clean.is_error and structured(clean)["format_issues"] == []
    dirty = await cargo.call_tool("cargo_fmt_check", {"path": str(workspace_root / "lib_errors")})
    assert dirty.is_error
    [issue] = structured(dirty)["format_issues"]
    assert issue["file"].endswith("lib_errors/src/lib.rs") and issue["line"] == 3
    assert "+pub fn add(a: i32, b: i32) -> i32 {" in issue["diff"]


async def test_clippy_returns_lint_codes(cargo: Client, scratch: Path) -> None:
    project = copy_fixture("hello_bin", scratch)
    source = project / "src" / "main.rs"
    source.write_text(source.read_text() + "\npub fn needless(x: i32) -> i32 {\n    return x;\n}\n")
    result = await cargo.call_tool("cargo_clippy", {"path": str(project)})
    body = structured(result)
    codes = {d["code"] for d in body["diagnostics"]}
    assert "clippy::needless_return" in codes, text_of(result)
    refused = await cargo.call_tool("cargo_clippy", {"path": str(project), "fix": True})
    assert refused.is_error and "cargo_clippy_fix" in text_of(refused)


async def test_clippy_fix_edits_the_file(cargo: Client, scratch: Path) -> None:
    project = copy_fixture("hello_bin", scratch / "fix")
    source = project / "src" / "main.rs"
    source.write_text(source.read_text() + "\npub fn needless(x: i32) -> i32 {\n    return x;\n}\n")
    result = await cargo.call_tool("cargo_clippy_fix", {"path": str(project), "allow_no_vcs": True})
    assert not result.is_error, text_of(result)
    assert "return x;" not in source.read_text() and "    x\n}" in source.read_text()


async def test_metadata_and_tree(cargo: Client, workspace_root: Path) -> None:
    metadata = await cargo.call_tool("cargo_metadata", {"path": str(workspace_root / "workspace")})
    data = structured(metadata)["data"]
    names = sorted(member["name"] for member in data["members"])
    assert names == ["app", "geometry", "macros"]
    app = next(m for m in data["members"] if m["name"] == "app")
    assert app["dependencies"] == 2 and app["targets"] == "bin app"  # one line per member by default
    detail = structured(
        await cargo.call_tool("cargo_metadata", {"path": str(workspace_root / "workspace"), "package": "app"})
    )
    assert {d["name"] for d in detail["data"]["member"]["dependencies"]} == {"geometry", "macros"}
    assert data["workspace_root"] == str(workspace_root / "workspace")
    tree = await cargo.call_tool("cargo_tree", {"path": str(workspace_root / "workspace"), "package": "app"})
    lines = structured(tree)["data"]["lines"]
    assert lines[0].startswith("app v0.1.0") and any("geometry v0.1.0" in line for line in lines)
    inverted = await cargo.call_tool(
        "cargo_tree", {"path": str(workspace_root / "workspace"), "invert": "geometry"}
    )
    assert any(
        line.lstrip("└├─│ ").startswith("app v0.1.0") for line in structured(inverted)["data"]["lines"]
    )


async def test_run_passes_args_and_reports_exit_code(cargo: Client, workspace_root: Path) -> None:
    result = await cargo.call_tool(
        "cargo_run", {"path": str(workspace_root / "hello_bin"), "args": ["--flag", "two words"]}
    )
    body = structured(result)
    assert body["ok"] and "hello from hello_bin: --flag two words" in body["stdout"]
    failing = await cargo.call_tool(
        "cargo_run", {"path": str(workspace_root / "hello_bin"), "cargo_env": {"HELLO_EXIT_CODE": "3"}}
    )
    assert failing.is_error and structured(failing)["exit_code"] == 3


async def test_bench_runs_the_harness_free_bench(cargo: Client, workspace_root: Path) -> None:
    result = await cargo.call_tool(
        "cargo_bench", {"path": str(workspace_root / "tests_mixed"), "bench_name": "speed"}
    )
    body = structured(result)
    assert body["ok"], text_of(result)
    assert "ns/iter" in body["stdout"]


async def test_add_update_remove_keep_comments(cargo: Client, scratch: Path) -> None:
    project = copy_fixture("hello_bin", scratch / "deps")
    manifest = project / "Cargo.toml"
    manifest.write_text(
        manifest.read_text()
        .replace('"hello_bin"', '"hello_bin"   # the crate\'s name')
        .replace("[dependencies]", "[dependencies]\n# keep this comment")
    )
    added = await cargo.call_tool("cargo_add", {"path": str(project), "dependencies": ["itoa@1"]})
    assert not added.is_error, text_of(added)
    text = manifest.read_text()
    assert "# keep this comment" in text and "# the crate's name" in text
    assert tomllib.loads(text)["dependencies"]["itoa"].startswith("1")
    dry = await cargo.call_tool("cargo_update", {"path": str(project), "dry_run": True})
    assert not dry.is_error, text_of(dry)
    lock_before = (project / "Cargo.lock").read_text()
    pinned = await cargo.call_tool(
        "cargo_update", {"path": str(project), "dependencies": ["itoa"], "precise": "1.0.10"}
    )
    assert not pinned.is_error, text_of(pinned)
    assert 'name = "itoa"\nversion = "1.0.10"' in (project / "Cargo.lock").read_text() != lock_before
    removed = await cargo.call_tool("cargo_remove", {"path": str(project), "dependencies": ["itoa"]})
    assert not removed.is_error, text_of(removed)
    text = manifest.read_text()
    assert "itoa" not in text and "# keep this comment" in text and "# the crate's name" in text


async def test_clean_removes_the_target_dir(cargo: Client, scratch: Path) -> None:
    project = copy_fixture("hello_bin", scratch / "clean")
    built = await cargo.call_tool("cargo_build", {"path": str(project)})
    assert not built.is_error and (project / "target").is_dir()
    cleaned = await cargo.call_tool("cargo_clean", {"path": str(project)})
    assert not cleaned.is_error, text_of(cleaned)
    assert not (project / "target").exists()
