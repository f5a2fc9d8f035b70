"""Bad input never runs anything and never stops the server: each case is refused with a reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from rust_mcp.core import budgets
from tests.support import structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]


def _cases(root: Path, outside: Path) -> list[tuple[str, dict[str, Any], str]]:
    project = str(root / "hello_bin")
    return [
        ("cargo_check", {"path": ".."}, "outside the allowed roots"),
        ("cargo_check", {"path": "/etc"}, "'/etc' is outside the allowed roots"),
        ("cargo_check", {"path": str(root / "hello_bin" / ".." / "..")}, "outside the allowed roots"),
        ("cargo_check", {"path": str(root / "scratch" / "escape")}, "outside the allowed roots"),
        ("cargo_check", {"path": f"file://{outside}"}, "outside the allowed roots"),
        ("cargo_check", {"path": "https://example.com/crate"}, "only local paths"),
        ("cargo_check", {"path": project + "\x00/etc"}, "NUL byte"),
        ("cargo_check", {"path": str(root / "scratch" / "empty")}, "no Cargo.toml"),
        # a .rs file stands for its package (test_cargo_tools_source_paths.py); any other file does not
        ("cargo_check", {"path": str(root / "hello_bin" / "Cargo.lock")}, "not a Cargo.toml or a .rs"),
        ("cargo_check", {"path": str(root / "missing")}, "does not exist"),
        (
            "cargo_check",
            {"path": project, "toolchain": "stable; rm -rf /"},
            "'stable; rm -rf /' is not a toolchain",
        ),
        ("cargo_check", {"path": project, "toolchain": "+nightly"}, "'+nightly' is not a toolchain"),
        ("cargo_check", {"path": project, "toolchain": "../x"}, "'../x' is not a toolchain"),
        ("cargo_check", {"path": project, "toolchain": "1.2.3"}, "'1.2.3' is not installed"),
        (
            "cargo_check",
            {"path": project, "cargo_env": {"RUSTC_WRAPPER": "/bin/sh"}},
            "RUSTC_WRAPPER is refused",
        ),
        ("cargo_check", {"path": project, "cargo_env": {"LD_PRELOAD": "/tmp/x.so"}}, "LD_PRELOAD is refused"),
        (
            "cargo_test",
            {"path": project, "cargo_env": {"CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER": "sh"}},
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER is refused",
        ),
        ("cargo_check", {"path": project, "cargo_env": {"A=B": "1"}}, "'A=B' is not a valid name"),
        ("cargo_check", {"path": project, "cargo_env": {"": "1"}}, "'' is not a valid name"),
        ("cargo_check", {"path": project, "cargo_env": {"PATH": "/tmp"}}, "PATH is refused"),
        ("cargo_check", {"path": project, "cargo_env": {"RUSTFLAGS": "-C linker=/tmp/evil"}}, "-C linker"),
        (
            "cargo_check",
            {"path": project, "cargo_env": {"RUSTFLAGS": "-Zunstable-options"}},
            "-Zunstable-options",
        ),
        ("cargo_clean", {"path": project, "cargo_env": {"CARGO_TARGET_DIR": "/"}}, "CARGO_TARGET_DIR='/'"),
        ("cargo_clean", {"path": project, "cargo_env": {"CARGO_TARGET_DIR": ".."}}, "contains the project"),
        ("cargo_check", {"path": project, "package": "--config=build.rustc='sh'"}, "starts with '-'"),
        ("cargo_test", {"path": project, "test_name": "-Zunstable-options"}, "starts with '-'"),
        ("cargo_add", {"path": project, "dependencies": ["--git=https://example.com/x"]}, "starts with '-'"),
        ("cargo_remove", {"path": project, "dependencies": ["-Zfoo"]}, "starts with '-'"),
        ("cargo_check", {"path": project, "features": ["ok", "--config=x"]}, "starts with '-'"),
        ("cargo_check", {"path": project, "target": "../../evil.json"}, "is not valid"),
        ("cargo_test", {"path": project, "args": ["--logfile", "/tmp/pwned"]}, "'--logfile' is not allowed"),
        ("cargo_test", {"path": project, "args": ["-Zunstable-options"]}, "is not allowed"),
        ("cargo_update", {"path": project, "precise": "1.0.0"}, "`precise` needs exactly one dependency"),
        ("cargo_clippy", {"path": project, "fix": True}, "cargo_clippy_fix"),
    ]


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory, workspace_root: Path) -> Path:
    """A real crate outside the roots, reachable from inside only through a symlink."""
    directory = tmp_path_factory.mktemp("outside") / "proj"
    directory.mkdir()
    (directory / "Cargo.toml").write_text('[package]\nname = "outside"\nversion = "0.1.0"\n')
    (workspace_root / "scratch").mkdir(exist_ok=True)
    escape = workspace_root / "scratch" / "escape"
    if not escape.exists():
        escape.symlink_to(directory)
    (workspace_root / "scratch" / "empty").mkdir(exist_ok=True)
    return directory


async def test_bad_input_is_refused_and_nothing_runs(
    cargo: Client, workspace_root: Path, outside: Path, cargo_log_dir: Path
) -> None:
    logs_before = set(cargo_log_dir.iterdir())
    failures = []
    for tool, arguments, expected in _cases(workspace_root, outside):
        result = await cargo.call_tool(tool, arguments)
        text = text_of(result)
        if not (
            result.is_error and text.startswith("Refused:") and expected in text and "Nothing was run" in text
        ):
            failures.append(f"{tool} {arguments!r}: {text[:300]}")
    assert failures == []
    assert set(cargo_log_dir.iterdir()) == logs_before, "a refused call started cargo"
    # and the server is still serving
    ok = await cargo.call_tool("cargo_check", {"path": str(workspace_root / "hello_bin")})
    assert not ok.is_error, text_of(ok)


async def test_wrong_types_and_unknown_arguments_are_rejected(cargo: Client, workspace_root: Path) -> None:
    for arguments, field in (
        ({"path": 42}, "path"),
        ({"release": "maybe"}, "release"),
        ({"cargo_env": ["A"]}, "cargo_env"),
        ({"pakage": "x"}, "pakage"),
        ({"timeout_secs": "soon"}, "timeout_secs"),
    ):
        result = await cargo.call_tool(
            "cargo_check", {"path": str(workspace_root / "hello_bin"), **arguments}
        )
        assert result.is_error and field in text_of(result), (arguments, text_of(result))
    assert (
        await cargo.call_tool("cargo_metadata", {"path": str(workspace_root / "hello_bin")})
    ).is_error is False


async def test_flood_of_output_is_budgeted_and_logged(cargo: Client, workspace_root: Path) -> None:
    result = await cargo.call_tool("cargo_run", {"path": str(workspace_root / "noisy"), "bin": "flood"})
    body = structured(result)
    assert body["ok"], text_of(result)
    assert body["output_truncated"] is True
    assert len(body["stdout"]) < 13_000 and len(body["stderr"]) < 13_000
    assert body["stdout"].rstrip().endswith("flood: done")  # the tail is kept
    assert "flood line 000000" in body["stdout"]  # and the head
    assert len(text_of(result)) <= budgets.CARGO_TEXT_BUDGET
    log = Path(body["log_path"])
    # the run printed over 10 MB: its log keeps the head and the tail, and counts what was cut
    cap = budgets.MAX_LOG_HEAD_BYTES + budgets.MAX_LOG_TAIL_BYTES
    assert budgets.MAX_LOG_HEAD_BYTES < log.stat().st_size <= cap + 4096
    assert log.stat().st_mode & 0o077 == 0
    head, tail = head_and_tail(log, budgets.MAX_LOG_TAIL_BYTES)
    assert b"flood line 000000" in head
    assert b"flood: done" in tail


def head_and_tail(path: Path, size: int) -> tuple[bytes, bytes]:
    with path.open("rb") as kept:
        head = kept.read(size)
        kept.seek(-size, 2)
        return head, kept.read()


async def test_non_utf8_output_is_replaced_not_fatal(cargo: Client, workspace_root: Path) -> None:
    result = await cargo.call_tool("cargo_run", {"path": str(workspace_root / "noisy"), "bin": "bytes"})
    body = structured(result)
    assert body["ok"], text_of(result)
    assert "before \ufffd\ufffd\ufffd after" in body["stdout"]
    assert "stderr \ufffd( bad" in body["stderr"]


async def test_argument_errors_say_what_is_wrong_and_what_the_tool_takes(
    cargo: Client, workspace_root: Path
) -> None:
    result = await cargo.call_tool(
        "cargo_test", {"path": str(workspace_root / "tests_mixed"), "test_nmae": "adds", "release": "yes"}
    )
    text = text_of(result)
    assert result.is_error and text.startswith("Refused: the arguments of cargo_test are not valid")
    assert "- `test_nmae` is not a parameter of cargo_test; did you mean `test_name`?" in text
    assert "- `release`: Input should be a valid boolean (got string 'yes')" in text
    assert "cargo_test takes: path, toolchain," in text and "errors.pydantic.dev" not in text


async def test_a_negative_tree_depth_is_refused_by_name(
    cargo: Client, workspace_root: Path, cargo_log_dir: Path
) -> None:
    """cargo_tree with depth=-1 (through Codex on pest) reached cargo as `--depth -1` and came back
    as cargo's "unexpected argument '-1' found"; it is refused before anything runs."""
    logs_before = set(cargo_log_dir.iterdir())
    result = await cargo.call_tool("cargo_tree", {"path": str(workspace_root / "hello_bin"), "depth": -1})
    text = text_of(result)
    assert (
        result.is_error and "depth -1 is negative: pass 0 or more levels, or null for every level" in text
    ), text
    assert "Nothing was run" in text and set(cargo_log_dir.iterdir()) == logs_before, text
