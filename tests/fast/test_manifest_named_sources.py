"""A project's state follows what cargo reads through its manifests even where this process does
not read them the usual way: a target source or build script named outside the workspace
(`[lib] path = "../elsewhere/lib.rs"`), and a Cargo.toml that is a link (cargo reads through it;
the path dependencies it names are unknown here, so the state is never equal to another), and a
package that `.cargo/config.toml` names (`[patch]`, `paths`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from rust_mcp.core import file_stamps
from rust_mcp.core import tree_state as module
from rust_mcp.core.tree_state import tree_state

PACKAGE = '[package]\nname = "ws"\nversion = "0.1.0"\nedition = "2021"\n'


@pytest.fixture(autouse=True)
def settled(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every stamp old enough to be trusted, so that a walk is remembered; none remembered before."""
    monkeypatch.setattr(file_stamps, "RACY_NS", -(10**12))
    monkeypatch.setattr(file_stamps, "COARSE_RACY_NS", -(10**12))
    module._walks.clear()
    yield
    module._walks.clear()


def edited_after_a_state(root: Path, within: Path, edited: Path) -> tuple[str, str, str]:
    """The state before `edited` changes, after it (a remembered walk may answer), and walked anew."""
    before = tree_state(root, [within])
    edited.write_text('pub fn g() -> u32 { "not a number" }\n')
    remembered = tree_state(root, [within])
    module._walks.clear()
    return before, remembered, tree_state(root, [within])


@pytest.mark.parametrize(
    "table",
    ['[lib]\npath = "../ext/lib.rs"\n', '[[bin]]\nname = "b"\npath = "../ext/lib.rs"\n'],
)
def test_a_target_source_outside_the_workspace_is_followed(tmp_path: Path, table: str) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ext").mkdir()
    (tmp_path / "ws" / "Cargo.toml").write_text(PACKAGE + table)
    source = tmp_path / "ext" / "lib.rs"
    source.write_text("pub fn g() -> u32 { 1 }\n")
    before, remembered, walked = edited_after_a_state(tmp_path / "ws", tmp_path, source)
    assert before != remembered
    assert before != walked


def test_a_build_script_outside_the_workspace_is_followed(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ext").mkdir()
    (tmp_path / "ws" / "Cargo.toml").write_text(PACKAGE.replace("edition", 'build = "../ext/b.rs"\nedition'))
    script = tmp_path / "ext" / "b.rs"
    script.write_text("fn main() {}\n")
    before, remembered, walked = edited_after_a_state(tmp_path / "ws", tmp_path, script)
    assert before != remembered
    assert before != walked


def test_a_target_source_outside_the_roots_is_never_reused(tmp_path: Path) -> None:
    (tmp_path / "allowed" / "ws").mkdir(parents=True)
    (tmp_path / "ext").mkdir()
    (tmp_path / "allowed" / "ws" / "Cargo.toml").write_text(PACKAGE + '[lib]\npath = "../../ext/lib.rs"\n')
    (tmp_path / "ext" / "lib.rs").write_text("pub fn g() -> u32 { 1 }\n")
    root, within = tmp_path / "allowed" / "ws", [tmp_path / "allowed"]
    assert tree_state(root, within) != tree_state(root, within)


def test_a_linked_manifest_with_a_path_dependency_is_never_reused(tmp_path: Path) -> None:
    for name in ("ws", "other"):
        (tmp_path / name / "src").mkdir(parents=True)
    (tmp_path / "ws" / "real.toml").write_text(PACKAGE + '[dependencies]\nother = { path = "../other" }\n')
    (tmp_path / "ws" / "Cargo.toml").symlink_to("real.toml")
    (tmp_path / "other" / "Cargo.toml").write_text(PACKAGE.replace('"ws"', '"other"'))
    source = tmp_path / "other" / "src" / "lib.rs"
    source.write_text("pub fn g() -> u32 { 1 }\n")
    before, remembered, walked = edited_after_a_state(tmp_path / "ws", tmp_path, source)
    assert before != remembered
    assert before != walked


@pytest.mark.parametrize(
    "config",
    ['[patch.crates-io]\nadler2 = { path = "../other" }\n', 'paths = ["../other"]\n'],
)
def test_a_package_the_cargo_configuration_names_is_followed(tmp_path: Path, config: str) -> None:
    """Paths in `.cargo/config.toml` are relative to the directory holding `.cargo`."""
    for name in ("ws/.cargo", "other/src"):
        (tmp_path / name).mkdir(parents=True)
    (tmp_path / "ws" / "Cargo.toml").write_text(PACKAGE + '[dependencies]\nadler2 = "2"\n')
    (tmp_path / "ws" / ".cargo" / "config.toml").write_text(config)
    (tmp_path / "other" / "Cargo.toml").write_text(PACKAGE.replace('"ws"', '"adler2"'))
    source = tmp_path / "other" / "src" / "lib.rs"
    source.write_text("pub fn g() -> u32 { 1 }\n")
    before, remembered, walked = edited_after_a_state(tmp_path / "ws", tmp_path, source)
    assert before != remembered
    assert before != walked


def test_a_configuration_linked_outside_the_roots_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "allowed" / "ws" / ".cargo").mkdir(parents=True)
    (tmp_path / "allowed" / "ws" / "Cargo.toml").write_text(PACKAGE)
    (tmp_path / "secret.toml").write_text('[patch.crates-io]\nx = { path = "../allowed/ws" }\n')
    (tmp_path / "allowed" / "ws" / ".cargo" / "config.toml").symlink_to(tmp_path / "secret.toml")
    root, within = tmp_path / "allowed" / "ws", [tmp_path / "allowed"]
    assert tree_state(root, within) != tree_state(root, within)  # a state of its own, nothing read


def test_a_configuration_that_is_a_fifo_is_not_opened(tmp_path: Path) -> None:
    """Reading it would block this process: the one door refuses it, and the state is its own."""
    (tmp_path / "ws" / ".cargo").mkdir(parents=True)
    (tmp_path / "ws" / "Cargo.toml").write_text(PACKAGE)
    os.mkfifo(tmp_path / "ws" / ".cargo" / "config.toml")
    root, within = tmp_path / "ws", [tmp_path]
    assert tree_state(root, within) != tree_state(root, within)
