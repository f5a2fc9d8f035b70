"""Where a workspace's build records are (rust_mcp/core/skipped_reads.records_elsewhere): a cargo
configuration moving the target directory elsewhere means they are not in `target`, and a
configuration of the project's own reached through a link is never read through it (the process
follows no link the project made), so such a tree counts as one whose records may be elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from rust_mcp.core.skipped_reads import records_elsewhere


@pytest.fixture(autouse=True)
def no_target_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR", "CARGO_BUILD_BUILD_DIR"):
        monkeypatch.delenv(name, raising=False)


def config_in(folder: Path, text: str) -> Path:
    (folder / ".cargo").mkdir(parents=True, exist_ok=True)
    config = folder / ".cargo" / "config.toml"
    config.write_text(text)
    return config


def test_a_target_directory_elsewhere_moves_the_records(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    config = config_in(workspace, '[build]\ntarget-dir = "node_modules/out"\n')
    assert records_elsewhere(workspace, [str(config)]) is True


def test_the_workspaces_own_target_keeps_them(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    config = config_in(workspace, '[build]\ntarget-dir = "target"\njobs = 1\n')
    assert records_elsewhere(workspace, [str(config)]) is False


def test_a_linked_config_inside_the_workspace_is_not_read_through(tmp_path: Path) -> None:
    workspace, elsewhere = tmp_path / "ws", tmp_path / "elsewhere"
    harmless = config_in(elsewhere, "[build]\njobs = 1\n")  # would keep the records in `target`
    (workspace / ".cargo").mkdir(parents=True)
    (workspace / ".cargo" / "config.toml").symlink_to(harmless)
    assert records_elsewhere(workspace, [str(workspace / ".cargo" / "config.toml")]) is True
    linked_folder = tmp_path / "ws2"
    linked_folder.mkdir()
    (linked_folder / ".cargo").symlink_to(elsewhere / ".cargo")
    assert records_elsewhere(linked_folder, [str(linked_folder / ".cargo" / "config.toml")]) is True


def test_the_operators_linked_config_above_the_workspace_is_read(tmp_path: Path) -> None:
    home, dotfiles = tmp_path / "home", tmp_path / "dotfiles"
    kept = config_in(dotfiles, "[build]\njobs = 1\n")
    (home / ".cargo").mkdir(parents=True)
    (home / ".cargo" / "config.toml").symlink_to(kept)
    workspace = home / "ws"
    workspace.mkdir()
    assert records_elsewhere(workspace, [str(home / ".cargo" / "config.toml")]) is False
    kept.write_text('[build]\ntarget-dir = "/var/tmp/shared-target"\n')
    assert records_elsewhere(workspace, [str(home / ".cargo" / "config.toml")]) is True
