"""A server started in a member folder of a workspace (Codex started in `serde_json/` of a checkout
holding the whole workspace, fieldtest3): the allowed root ends below the workspace, so cargo in the
sandbox runs the package alone and fails, and rust-analyzer cannot load it. The answer names the one
fix, a root at the workspace, and is right about it: with that root the same call succeeds. Real
cargo and rust-analyzer in bubblewrap."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server
from ra_mcp.server import AnalyzerSettings
from ra_mcp.server import build_server as build_analyzer_server
from rust_mcp.core.roots import AllowedRoots
from tests.support import require_bubblewrap, require_rust_analyzer, structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]


def workspace_with_a_member(tmp_path: Path) -> Path:
    """A workspace whose member inherits its edition and version from the workspace."""
    workspace = tmp_path / "checkout"
    member = workspace / "member"
    (member / "src").mkdir(parents=True)
    (workspace / "Cargo.toml").write_text(
        '[workspace]\nmembers = ["member"]\nresolver = "2"\n\n'
        '[workspace.package]\nversion = "0.1.0"\nedition = "2021"\n'
    )
    (member / "Cargo.toml").write_text(
        '[package]\nname = "member"\nversion.workspace = true\nedition.workspace = true\n'
    )
    (member / "src" / "lib.rs").write_text("pub fn answer() -> u32 {\n    42\n}\n")
    return workspace


async def test_a_member_run_alone_names_the_root_that_holds_its_workspace(tmp_path: Path) -> None:
    require_bubblewrap()
    workspace = workspace_with_a_member(tmp_path)
    member = workspace / "member"
    logs = tmp_path / "logs"
    alone = CargoSettings(AllowedRoots((member,)), log_dir=logs)
    async with Client(build_server(alone), mode="legacy") as client:
        answer = await client.call_tool("cargo_check", {"path": str(member)})
    body = structured(answer)
    assert body["ok"] is False, text_of(answer)
    said = text_of(answer)
    assert f"--root {workspace}" in said and str(workspace / "Cargo.toml") in said, said

    whole = CargoSettings(AllowedRoots((workspace,)), log_dir=logs)
    async with Client(build_server(whole), mode="legacy") as client:
        answer = await client.call_tool("cargo_check", {"path": str(member)})
    assert structured(answer)["ok"] is True, text_of(answer)
    assert "--root" not in text_of(answer)


async def test_a_package_of_its_own_gets_no_such_hint(tmp_path: Path) -> None:
    """A Cargo.toml above the root is not named when the package is a workspace of its own."""
    require_bubblewrap()
    workspace = workspace_with_a_member(tmp_path)
    own = workspace / "own"
    (own / "src").mkdir(parents=True)
    (own / "Cargo.toml").write_text(
        '[package]\nname = "own"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n'
    )
    (own / "src" / "lib.rs").write_text('pub fn broken() -> u32 {\n    "text"\n}\n')
    settings = CargoSettings(AllowedRoots((own,)), log_dir=tmp_path / "logs")
    async with Client(build_server(settings), mode="legacy") as client:
        answer = await client.call_tool("cargo_check", {"path": str(own)})
    assert structured(answer)["ok"] is False and "E0308" in text_of(answer), text_of(answer)
    assert "--root" not in text_of(answer)


async def test_rust_analyzer_in_a_member_folder_names_the_root_of_its_workspace(
    tmp_path: Path,
) -> None:
    require_bubblewrap()
    require_rust_analyzer()
    workspace = workspace_with_a_member(tmp_path)
    member = workspace / "member"
    (member / "src" / "lib.rs").write_text('pub fn answer() -> u32 {\n    "text"\n}\n')
    call = {"file_path": str(member / "src" / "lib.rs"), "wait": True}
    alone = AnalyzerSettings(AllowedRoots((member,)))
    async with Client(build_analyzer_server(alone), mode="legacy", read_timeout_seconds=600) as client:
        said = text_of(await client.call_tool("rust_analyzer_diagnostics", call))
    assert f"--root {workspace}" in said and str(workspace / "Cargo.toml") in said, said

    whole = AnalyzerSettings(AllowedRoots((workspace,)))
    async with Client(build_analyzer_server(whole), mode="legacy", read_timeout_seconds=600) as client:
        said = text_of(await client.call_tool("rust_analyzer_diagnostics", call))
    assert "E0308" in said and "--root" not in said, said
