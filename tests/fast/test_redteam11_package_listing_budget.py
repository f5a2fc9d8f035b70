"""Eleventh red team: listing a workspace's packages (cargo_projects.package_directories: a qualified
`symbol=`, the unsafe audit, an SSR rule, cargo_check with `package`) parsed every Cargo.toml below
the root, each up to 1 MB, on a worker thread every session of the engine shares. tomllib takes ~5 s
for a hostile 1 MB manifest, so a project that plants a few hundred held that thread for as long as
it liked: minutes past the call's deadline, per call. Now the manifests parsed for one listing are
bounded in bytes, and past the bound the walk stops (real files, the real door, tomllib watched)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from rust_mcp.core import cargo_projects
from rust_mcp.core.cargo_projects import package_directories

MANIFESTS = 20
PADDING = 200_000  # bytes of comment in each: 4 MB in all, parsed quickly but counted
MEMBERS = 100


def test_a_listing_parses_a_bounded_number_of_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for number in range(MANIFESTS):
        (tmp_path / f"m{number:02}").mkdir()
        (tmp_path / f"m{number:02}" / "Cargo.toml").write_text(
            f'[package]\nname = "m{number:02}"\n' + ("#" * 99 + "\n") * (PADDING // 100)
        )
    parsed: list[int] = []
    loads = tomllib.loads

    def watched(text: str, **options: Any) -> dict[str, Any]:
        parsed.append(len(text))
        return loads(text, **options)

    monkeypatch.setattr(tomllib, "loads", watched)
    found = package_directories(tmp_path)
    assert sum(parsed) <= getattr(cargo_projects, "PACKAGES_PARSED_BYTES", 2 * 1024 * 1024), sum(parsed)
    assert 0 < len(found) < MANIFESTS
    assert all(found[name] == tmp_path / name for name in found)


def test_the_audit_parses_the_root_manifest_once_for_all_members(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit at a workspace root asks, for each member, where its workspace is: every ancestor's
    Cargo.toml was parsed again for each member (a 1 MB root manifest, thousands of members: hours
    on one of anyio's threads, which the call could not even leave)."""
    from ra_mcp.tools.clippy import _members_in_scope
    from rust_mcp.core.roots import AllowedRoots

    (tmp_path / "Cargo.toml").write_text(
        '[workspace]\nmembers = ["m*"]\n' + ("#" * 99 + "\n") * (PADDING // 100)
    )
    for number in range(MEMBERS):
        (tmp_path / f"m{number:03}").mkdir()
        (tmp_path / f"m{number:03}" / "Cargo.toml").write_text(f'[package]\nname = "m{number:03}"\n')
    parsed: list[int] = []
    loads = tomllib.loads

    def watched(text: str, **options: Any) -> dict[str, Any]:
        parsed.append(len(text))
        return loads(text, **options)

    monkeypatch.setattr(tomllib, "loads", watched)
    members = _members_in_scope(tmp_path / "Cargo.toml", tmp_path, AllowedRoots((tmp_path,)))
    assert len(members) == MEMBERS
    assert sum(parsed) < 3 * PADDING, f"{sum(parsed)} bytes parsed for {MEMBERS} members"
