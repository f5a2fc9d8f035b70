"""Files a hostile project writes, read without a process: a path dependency through a link loop, a
NUL byte or a dangling path gives a tree state, not an exception; TOML and JSON nested too deeply
are refused, and every parse of project text goes through the guarded parsers. The servers facing
the same files are in tests/real/test_hostile_shared_state.py."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from rust_mcp.core.toml_text import parse_toml
from rust_mcp.core.tree_state import tree_state
from tests.support import REPO
from tests.support.hostile_projects import DEEP, HOSTILE_DEPENDENCIES, hostile_dependency_crate


@pytest.mark.parametrize("kind", sorted(HOSTILE_DEPENDENCIES))
def test_a_hostile_path_dependency_gives_a_state_not_an_exception(tmp_path: Path, kind: str) -> None:
    crate = hostile_dependency_crate(tmp_path, kind)
    state = tree_state(crate, (tmp_path,))
    assert isinstance(state, str) and len(state) == 64


def test_toml_nested_too_deeply_is_not_toml() -> None:
    with pytest.raises(tomllib.TOMLDecodeError):
        parse_toml(f"deep = {DEEP}\n")
    assert parse_toml("a = [[1]]\n") == {"a": [[1]]}


def test_project_toml_is_parsed_only_through_parse_toml() -> None:
    """The class: every parse of a file the project wrote goes through parse_toml, which turns
    tomllib's RecursionError into its TOMLDecodeError."""
    packages = [REPO / name for name in ("rust_mcp", "cargo_mcp", "ra_mcp")]
    direct = [
        f"{path}:{number}"
        for package in packages
        for path in sorted(package.rglob("*.py"))
        if path.name not in ("toml_text.py", "prompts.py")  # prompts.py: our own shipped workflows.toml
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "tomllib.load" in line
    ]
    said = "tomllib called directly (use rust_mcp.core.toml_text.parse_toml): "
    assert direct == [], said + ", ".join(direct)


def test_json_from_processes_and_the_project_is_parsed_only_through_parse_json() -> None:
    """The class: json.loads raises RecursionError (not ValueError) on a line nested a few thousand
    deep, which cargo's stdout (a proc macro's println!), rust-analyzer's stderr and the build
    directory can carry; parse_json turns it into ValueError. Exempt: the proc-macro proxy (standard
    library only, it catches RecursionError itself) and the transports, which measure nesting first."""
    exempt = {"json_nesting.py", "proc_macro_proxy.py", "handshake.py", "relay.py", "stdio.py"}
    packages = [REPO / name for name in ("rust_mcp", "cargo_mcp", "ra_mcp")]
    direct = [
        f"{path}:{number}"
        for package in packages
        for path in sorted(package.rglob("*.py"))
        if path.name not in exempt
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "json.loads(" in line or "json.load(" in line
    ]
    said = "json.loads called directly (use rust_mcp.core.json_nesting.parse_json): "
    assert direct == [], said + ", ".join(direct)
