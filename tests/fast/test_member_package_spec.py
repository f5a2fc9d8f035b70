"""`cargo_check package="futures"` in futures' own workspace failed: its Cargo.lock holds futures
0.1.31 (futures-util's `compat` needs it under that name) and the 0.3.34 member, and cargo found the
spec `futures` ambiguous (field test 11, futures 0.3.34). A member's name means the member: cargo is
given its unambiguous spec. No process runs here: the command line is built, not run."""

from __future__ import annotations

import threading
from pathlib import Path

import anyio
import pytest

from cargo_mcp.run import member_spec as member_spec_module
from cargo_mcp.run.cargo_service import CargoService
from cargo_mcp.run.member_spec import ambiguity_hint, member_spec, with_member_specs, with_members
from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.table.rows import COMMANDS_BY_NAME
from rust_mcp.core.roots import AllowedRoots

REGISTRY = 'source = "registry+https://github.com/rust-lang/crates.io-index"'


def workspace(root: Path, registry_version: str = "0.1.31") -> Path:
    (root / "Cargo.toml").write_text('[workspace]\nmembers = ["futures", "futures-util"]\nresolver = "2"\n')
    for name in ("futures", "futures-util"):
        (root / name / "src").mkdir(parents=True)
        (root / name / "src" / "lib.rs").write_text("")
        (root / name / "Cargo.toml").write_text(f'[package]\nname = "{name}"\nversion = "0.3.34"\n')
    (root / "Cargo.lock").write_text(
        "version = 4\n\n"
        f'[[package]]\nname = "futures"\nversion = "{registry_version}"\n{REGISTRY}\n\n'
        '[[package]]\nname = "futures"\nversion = "0.3.34"\n\n'
        '[[package]]\nname = "futures-util"\nversion = "0.3.34"\ndependencies = ["futures 0.1.31"]\n'
    )
    return root


def test_cargo_check_gets_the_member_not_an_ambiguous_name(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    service = CargoService(CargoSettings(AllowedRoots.from_strings([str(root)]), log_dir=tmp_path / "logs"))
    invocation = service.prepare(
        COMMANDS_BY_NAME["cargo_check"], {"path": str(root), "package": "futures"}, None
    )
    assert invocation.args[invocation.args.index("--package") + 1] == "futures"  # nothing read on the loop
    loop_thread = threading.get_ident()
    read_on: list[int] = []

    def recorded(args: list[str], root: Path) -> list[str]:
        read_on.append(threading.get_ident())
        return with_member_specs(args, root)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(member_spec_module, "with_member_specs", recorded)
        invocation = anyio.run(with_members, invocation, service.launcher.argv)
    assert invocation.args[invocation.args.index("--package") + 1] == "futures@0.3.34", invocation.args
    assert "futures@0.3.34" in invocation.argv  # what the answer shows is what runs
    assert read_on and loop_thread not in read_on  # the lockfile (up to 32 MiB) read off the event loop


def test_a_dependency_of_the_same_version_needs_the_path_spec(tmp_path: Path) -> None:
    root = workspace(tmp_path, registry_version="0.3.34")
    assert member_spec("futures", root) == f"path+file://{root}/futures#futures@0.3.34"


def test_other_values_go_to_cargo_as_written(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    assert member_spec("futures-util", root) == "futures-util"  # one package of that name
    assert member_spec("futures@0.1.31", root) == "futures@0.1.31"  # a spec already
    assert member_spec("serde", root) == "serde"  # not locked at all
    assert member_spec("futures", tmp_path / "futures") == "futures"  # no lockfile there


def test_an_ambiguity_cargo_reports_names_the_values_to_pass() -> None:
    stderr = (
        "error: specificationm `futures` is ambiguous\n"
        "help: re-run this command with one of the following specifications\n"
        "  futures@0.1.31\n  futures@0.3.34\n"
    )
    hint = ambiguity_hint(stderr)
    choices = 'package="futures@0.1.31", package="futures@0.3.34"'
    assert hint == f"cargo finds package `futures` ambiguous: pass one of {choices}."
    assert ambiguity_hint("error: could not compile `futures`\n") is None


def test_only_cargo_own_package_flags_are_read(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    args = ["test", "--package", "futures", "--", "--package", "futures"]
    assert with_member_specs(args, root) == [
        "test",
        "--package",
        "futures@0.3.34",
        "--",
        "--package",
        "futures",
    ]
    assert with_member_specs(["update", "--package", "futures"], root) == ["update", "--package", "futures"]
