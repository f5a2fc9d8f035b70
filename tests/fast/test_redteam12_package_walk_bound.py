"""Twelfth red team: listing a workspace's packages (a qualified `symbol=`, the unsafe audit, an SSR
rule, cargo_check with `package`) bounded the manifests parsed but not the directories walked: a
project that plants 200,000 empty folders held one of the door's threads for the whole walk, on
every call, past the call's deadline (the door leaves a thread it stops waiting for running). Now
the walk stops after WALKED_DIRECTORIES directories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rust_mcp.core import cargo_projects, project_walk
from rust_mcp.core.cargo_projects import package_directories

LIMIT = 50


def test_the_walk_for_packages_lists_a_bounded_number_of_directories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "top"\n')
    for number in range(4 * LIMIT):
        (tmp_path / f"d{number:03}").mkdir()
    listed: list[str] = []
    original = project_walk._listed

    def watched(listing: int, directory: str, *args: Any) -> Any:
        listed.append(directory)
        return original(listing, directory, *args)

    monkeypatch.setattr(project_walk, "_listed", watched)
    monkeypatch.setattr(cargo_projects, "WALKED_DIRECTORIES", LIMIT, raising=False)
    found = package_directories(tmp_path)
    assert found == {"top": tmp_path}  # the root's manifest is listed first
    assert len(listed) <= LIMIT, f"{len(listed)} directories listed"  # 201 before
