"""Fast tier: finding the Cargo workspaces under a repository root with no Cargo.toml of its own
(bounded, breadth first, no links followed, no FIFO opened, .gitignore'd and build directories
skipped), and what a call is told: the one found, or a refusal listing several and how to pick."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rust_mcp.core import workspace_discovery
from rust_mcp.core.roots import AllowedRoots, PathRefused
from rust_mcp.core.workspace_discovery import (
    GitIgnore,
    chosen_workspace,
    discover_project,
    find_workspaces_under,
)

PICK = 'pass `path` (e.g. path="{example}")'


def _package(directory: Path, name: str, workspace: bool = False) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    table = '[workspace]\nmembers = ["crates/*"]\n' if workspace else ""
    (directory / "Cargo.toml").write_text(f'{table}[package]\nname = "{name}"\nversion = "0.1.0"\n')
    return directory


def _search(root: Path) -> list[str]:
    found = find_workspaces_under(root, AllowedRoots((root,)))
    return [path.relative_to(root).as_posix() for path in found.found]


def test_one_workspace_in_a_subdirectory_with_its_members_below_it(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    _package(repo / "codex-rs", "root", workspace=True)
    _package(repo / "codex-rs" / "crates" / "core", "core")
    (repo / "docs").mkdir()
    assert _search(repo) == ["codex-rs"]
    path, said = chosen_workspace(find_workspaces_under(repo, AllowedRoots((repo,))), PICK)
    assert path == repo / "codex-rs" and said == f"using workspace codex-rs/ found under {repo}"


def test_build_output_hidden_dirs_node_modules_and_gitignored_dirs_are_skipped(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    _package(repo / "rust" / "app", "app")
    for skipped in ("target/debug/x", ".hidden/x", "node_modules/pkg", "vendor/x", "sub/generated/x", "logs"):
        _package(repo / skipped, "skipped")
    (repo / ".gitignore").write_text("# comment\n/vendor/\ngenerated\n!logs\nlogs/\n*.tmp\n")
    assert _search(repo) == ["rust/app"]


def test_links_are_not_followed_and_a_fifo_never_blocks(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    outside = _package(tmp_path / "outside", "outside")
    repo.mkdir()
    (repo / "linked_dir").symlink_to(outside, target_is_directory=True)
    (repo / "linked_manifest").mkdir()
    (repo / "linked_manifest" / "Cargo.toml").symlink_to(outside / "Cargo.toml")
    os.mkfifo(repo / ".gitignore")  # opened, it would block the walk forever
    os.mkfifo(repo / "Cargo.lock")
    _package(repo / "real", "real")
    assert _search(repo) == ["real"]


def test_the_walk_is_bounded_in_depth_and_in_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    _package(repo / "a" / "b" / "c" / "d" / "e", "too_deep")
    assert _search(repo) == []
    _package(repo / "a" / "b" / "c" / "d", "deep_enough")
    assert _search(repo) == ["a/b/c/d"]
    for index in range(30):
        (repo / f"empty{index:02}").mkdir()
    monkeypatch.setattr(workspace_discovery, "MAX_ENTRIES", 10)
    cut = find_workspaces_under(repo, AllowedRoots((repo,)))
    assert cut.cut and cut.found == ()
    with pytest.raises(PathRefused, match="stopped after 10 entries"):
        chosen_workspace(cut, PICK)


def test_several_workspaces_are_listed_with_how_to_pick_one(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    _package(repo / "first", "first")
    _package(repo / "tools" / "second", "second", workspace=True)
    search = find_workspaces_under(repo, AllowedRoots((repo,)))
    with pytest.raises(PathRefused) as refused:
        chosen_workspace(search, PICK)
    assert str(refused.value) == (
        f"{repo} holds no Cargo.toml but 2 Cargo workspaces below it: first/, tools/second/. "
        f'Pick one: pass `path` (e.g. path="{repo / "first"}")'
    )
    (repo / "docs").mkdir()
    empty = find_workspaces_under(repo / "docs", AllowedRoots((repo,)))
    with pytest.raises(PathRefused, match="nor in its subdirectories"):
        chosen_workspace(empty, PICK)


def test_gitignore_patterns_anchored_and_by_name() -> None:
    ignore = GitIgnore.parse("/build/\nout\nsub/*/gen\n  \n!keep\n")
    assert ignore.ignores("build", "build") and not ignore.ignores("x/build", "build")
    assert ignore.ignores("x/y/out", "out") and ignore.ignores("sub/a/gen", "gen")
    assert not ignore.ignores("keep", "keep")


@pytest.mark.anyio
async def test_a_directory_under_a_manifest_is_used_as_it_is(tmp_path: Path) -> None:
    repo = _package(tmp_path / "repo", "repo")
    (repo / "src").mkdir()
    assert await discover_project(repo / "src", AllowedRoots((repo,)), PICK) == (repo / "src", None)


@pytest.mark.anyio
async def test_a_workspace_found_is_reused_while_its_manifest_is_there(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    crate = _package(repo / "rust", "rust")
    roots = AllowedRoots((repo,))
    said = f"using workspace rust/ found under {repo}"
    assert await discover_project(repo, roots, PICK) == (crate, said)
    assert await discover_project(repo, roots, PICK) == (crate, said)
    (crate / "Cargo.toml").unlink()
    with pytest.raises(PathRefused, match="nor in its subdirectories"):
        await discover_project(repo, roots, PICK)
