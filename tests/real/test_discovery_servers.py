"""Both servers started at a repository root that holds no Cargo.toml (the workspace in a
subdirectory, as codex's `codex-rs/`): a call without `path`/`workspace` uses the one Cargo workspace
below the root and says which; with two, the refusal lists both and how to pick one."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server as build_cargo_server
from ra_mcp.server import AnalyzerSettings
from ra_mcp.server import build_server as build_analyzer_server
from rust_mcp.core.roots import AllowedRoots
from tests.support import copy_fixture, require_rust_analyzer, structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]


def _cargo(repo: Path, logs: Path) -> Client:
    settings = CargoSettings(AllowedRoots((repo,)), log_dir=logs)
    return Client(build_cargo_server(settings), mode="legacy", read_timeout_seconds=600)


def _analyzer(repo: Path) -> Client:
    require_rust_analyzer()
    settings = AnalyzerSettings(AllowedRoots((repo,)))
    return Client(build_analyzer_server(settings), mode="legacy", read_timeout_seconds=600)


async def test_the_one_workspace_under_the_root_is_used_and_named(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    copy_fixture("workspace", repo)
    copy_fixture("hello_bin", repo / "ignored")  # a second crate, but .gitignore'd
    (repo / ".gitignore").write_text("/ignored/\n")
    (repo / "README.md").write_text("the Rust code is in workspace/\n")
    said = f"using workspace workspace/ found under {repo}"
    async with _cargo(repo, tmp_path / "logs") as cargo:
        checked = await cargo.call_tool("cargo_check", {})
        body = structured(checked)
        assert not checked.is_error and body["manifest"] == str(repo / "workspace" / "Cargo.toml"), text_of(
            checked
        )
        assert body["hints"][0] == said and said in text_of(checked)
        chosen = await cargo.call_tool("set_working_directory", {"path": str(repo)})
        assert not chosen.is_error and said in text_of(chosen), text_of(chosen)
        assert (chosen.structured_content or {}).get("manifest") == str(repo / "workspace" / "Cargo.toml")
    async with _analyzer(repo) as analyzer:
        hover = await analyzer.call_tool("rust_analyzer_hover", {"symbol": "Point::norm2"})
        text = text_of(hover)
        assert not hover.is_error and "fn norm2" in text and text.startswith(said), text
        assert said in (hover.structured_content or {}).get("note", "")
        chosen = await analyzer.call_tool("rust_analyzer_set_workspace", {"workspace_path": str(repo)})
        body = chosen.structured_content or {}
        assert not chosen.is_error and body["workspace"] == str(repo / "workspace"), text_of(chosen)
        assert body["note"].startswith(said), body["note"]


async def test_two_workspaces_under_the_root_are_listed_in_the_refusal(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    copy_fixture("hello_bin", repo / "apps")
    copy_fixture("unsafe_audit", repo)
    listed = "2 Cargo workspaces below it: unsafe_audit/, apps/hello_bin/"
    async with _cargo(repo, tmp_path / "logs") as cargo:
        refused = await cargo.call_tool("cargo_check", {})
        text = text_of(refused)
        assert refused.is_error and listed in text and "set_working_directory" in text, text
    async with _analyzer(repo) as analyzer:
        refused = await analyzer.call_tool("rust_analyzer_hover", {"symbol": "bump"})
        text = text_of(refused)
        assert refused.is_error and listed in text and "rust_analyzer_set_workspace" in text, text


async def test_a_named_directory_without_a_manifest_uses_the_workspace_below(tmp_path: Path) -> None:
    """`path` naming the repository root (as a model passes its working directory) was refused: "no
    Cargo.toml in '<repo>' or its parents up to the root", naming neither workspace/ nor how to pick
    it. Now it is used as without `path`, and said; with two below, the refusal lists both."""
    repo = tmp_path / "repo"
    copy_fixture("workspace", repo)
    said = f"using workspace workspace/ found under {repo}"
    async with _cargo(tmp_path, tmp_path / "logs") as cargo:
        checked = await cargo.call_tool("cargo_check", {"path": str(repo)})
        body = structured(checked)
        assert not checked.is_error and body["manifest"] == str(repo / "workspace" / "Cargo.toml"), text_of(
            checked
        )
        assert body["hints"][0] == said, body["hints"]
        inside = await cargo.call_tool("cargo_metadata", {"path": str(repo / "workspace")})
        assert not inside.is_error and said not in text_of(inside), text_of(inside)
        two = tmp_path / "two"
        copy_fixture("workspace", two)
        copy_fixture("hello_bin", two / "apps")
        refused = await cargo.call_tool("cargo_check", {"path": str(two)})
        text = text_of(refused)
        assert refused.is_error and "2 Cargo workspaces below it: workspace/, apps/hello_bin/" in text, text
        assert f'path="{two / "workspace"}"' in text, text


async def test_a_repository_root_named_as_the_workspace_uses_the_one_below(tmp_path: Path) -> None:
    """`workspace` naming the repository root (pest's through Codex) was refused: "<repo> is not
    inside a Cargo project", while the same call without `workspace` used workspace/ below it."""
    repo = tmp_path / "repo"
    copy_fixture("workspace", repo)
    said = f"using workspace workspace/ found under {repo}"
    async with _analyzer(tmp_path) as analyzer:
        found = await analyzer.call_tool(
            "rust_analyzer_workspace_symbol", {"query": "Point", "workspace": str(repo)}
        )
        text = text_of(found)
        assert not found.is_error and "pub struct Point" in text and f"note: {said}" in text, text
