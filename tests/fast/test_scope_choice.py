"""The rule a scoped check (`changed=true`) follows to run `--package` per member or the whole
workspace, and the record of warm workspace-wide runs it reads (no processes)."""

from __future__ import annotations

import json
from pathlib import Path

from cargo_mcp.results.models import CargoResult
from cargo_mcp.run.scope_choice import (
    RECORD_FILE,
    RECORDS_KEPT,
    choose_run,
    compiled,
    flags_key,
    is_warm,
    record_run,
    workspace_wide,
)
from cargo_mcp.table.rows import COMMANDS_BY_NAME

ROOT = Path("/work/project")


def test_every_member_in_scope_is_the_workspace_for_any_command() -> None:
    for command in ("cargo_check", "cargo_test", "cargo_nextest"):
        choice = choose_run(COMMANDS_BY_NAME[command], 3, 3, warm=False)
        assert choice.run == "workspace" and "every one of the 3 members" in choice.reason


def test_a_warm_workspace_run_is_reused_by_compile_only_commands() -> None:
    for command in ("cargo_check", "cargo_clippy", "cargo_build"):
        choice = choose_run(COMMANDS_BY_NAME[command], 1, 10, warm=True)
        assert choice.run == "workspace" and "same features" in choice.reason
    # tests would run in every member: the scope stays the scope
    tested = choose_run(COMMANDS_BY_NAME["cargo_test"], 1, 10, warm=True)
    assert tested.run == "packages" and "tests run only in the scope" in tested.reason


def test_most_members_in_scope_is_the_workspace() -> None:
    assert choose_run(COMMANDS_BY_NAME["cargo_check"], 6, 10, warm=False).run == "workspace"
    assert "6 of 10 members" in choose_run(COMMANDS_BY_NAME["cargo_check"], 6, 10, warm=False).reason
    cold = choose_run(COMMANDS_BY_NAME["cargo_check"], 5, 10, warm=False)
    assert cold.run == "packages" and "no warm workspace-wide run" in cold.reason
    assert choose_run(COMMANDS_BY_NAME["cargo_test"], 9, 10, warm=False).run == "packages"


def test_flags_key_ignores_the_package_selection_only() -> None:
    env = {"CARGO_TERM_COLOR": "never"}
    base = ["check", "--manifest-path", "/work/project/Cargo.toml", "--message-format=json"]
    whole = flags_key("cargo_check", [*base, "--workspace"], None, env, ROOT)
    assert flags_key("cargo_check", [*base, "--package", "a", "-p", "b"], None, env, ROOT) == whole
    assert flags_key("cargo_check", [*base, "--package=a"], None, env, ROOT) == whole
    assert flags_key("cargo_check", [*base, "--all-targets"], None, env, ROOT) != whole
    assert flags_key("cargo_check", base, "nightly", env, ROOT) != whole
    assert flags_key("cargo_check", base, None, {**env, "RUSTFLAGS": "-Dwarnings"}, ROOT) != whole
    assert flags_key("cargo_clippy", base, None, env, ROOT) != whole
    assert flags_key("cargo_check", base, None, env, Path("/work/other")) != whole


def test_workspace_wide_runs(tmp_path: Path) -> None:
    virtual = tmp_path / "Cargo.toml"
    virtual.write_text('[workspace]\nmembers = ["a", "b"]\n')
    assert workspace_wide(["check"], virtual, tmp_path)
    assert not workspace_wide(["check", "--package", "a"], virtual, tmp_path)
    assert workspace_wide(["check", "--workspace"], tmp_path / "a" / "Cargo.toml", tmp_path)
    assert not workspace_wide(["check", "--workspace", "--exclude", "b"], virtual, tmp_path)
    assert not workspace_wide(["check"], tmp_path / "a" / "Cargo.toml", tmp_path)
    virtual.write_text('[workspace]\nmembers = ["a", "b"]\ndefault-members = ["a"]\n')
    assert not workspace_wide(["check"], virtual, tmp_path)
    virtual.write_text('[package]\nname = "root"\n[workspace]\nmembers = ["a"]\n')
    assert not workspace_wide(["check"], virtual, tmp_path)
    virtual.write_text("[workspace\n")
    assert not workspace_wide(["check"], virtual, tmp_path)


def test_record_of_warm_runs(tmp_path: Path) -> None:
    assert not is_warm(tmp_path, "k0")
    record_run(tmp_path / "absent", "k0")  # a build directory is never made here
    assert not (tmp_path / "absent").exists()
    for number in range(RECORDS_KEPT + 5):
        record_run(tmp_path, f"k{number}")
    assert not is_warm(tmp_path, "k0") and is_warm(tmp_path, f"k{RECORDS_KEPT + 4}")
    assert len(json.loads((tmp_path / RECORD_FILE).read_text())) == RECORDS_KEPT
    (tmp_path / RECORD_FILE).write_text("not json")
    assert not is_warm(tmp_path, "k1")
    (tmp_path / RECORD_FILE).unlink()
    (tmp_path / RECORD_FILE).symlink_to(tmp_path / "elsewhere.json")
    (tmp_path / "elsewhere.json").write_text(json.dumps({"k1": 1.0}))
    assert not is_warm(tmp_path, "k1")  # a link is not followed


def test_a_run_counts_as_built_when_it_compiled() -> None:
    def result(ok: bool, exit_code: int | None, errors: int = 0, timed_out: bool = False) -> CargoResult:
        fields = {"cwd": "/w", "manifest": "/w/Cargo.toml", "toolchain": None, "duration_ms": 1}
        return CargoResult.model_validate(
            {"tool": "cargo_check", "ok": ok, "exit_code": exit_code, "summary": "", "argv": [], **fields}
            | {"timed_out": timed_out, "counts": {"errors": errors}}
        )

    assert compiled(result(True, 0))
    assert compiled(result(False, 101, errors=2))  # compile errors: the rest was built
    assert not compiled(result(False, 101))  # a broken manifest: nothing was built
    assert not compiled(result(False, None, timed_out=True))
