"""Hostile crates through rust-analyzer-mcp over a real MCP client. Loading a workspace runs its
build scripts and proc macros (through rust-analyzer's proc-macro server), diagnostics run cargo
check (flycheck) and the unsafe audit runs clippy: all of it, and whatever the crates'
.cargo/config.toml names, stays in the sandbox. The server itself is started, as Codex starts it, in
a project whose rust-toolchain.toml names a path toolchain of attackers: none of them ever runs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from rust_mcp.dev.figures import record
from tests.support import BIN, require_rust_analyzer, text_of
from tests.support.hostile_world import HostileWorld, hostile_world

pytestmark = [pytest.mark.anyio, pytest.mark.real]
CRATES = {
    # crate: (workspace, a source file in it, payload kinds rust-analyzer must have run); its cargo
    # runs with RUSTC set to the real rustc, so `build.rustc` is not used (the wrapper still is)
    "code": ("code", "app/src/lib.rs", {"build-script", "proc-macro"}),
    "config-project": ("config-project", "src/main.rs", {"program-wrapper", "ld-preload"}),
    "config-parent": ("parent/config-parent", "src/main.rs", {"program-wrapper", "ld-preload"}),
    "toolchain": ("toolchain", "src/main.rs", set()),
    "registry": ("registry", "src/main.rs", set()),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileWorld]:
    require_rust_analyzer()
    with hostile_world(tmp_path_factory.mktemp("hostile-analyzer")) as built:
        yield built


@pytest.fixture(scope="module")
async def hostile_ra(world: HostileWorld) -> AsyncIterator[Client]:
    params = StdioServerParameters(
        command=str(BIN / "rust-analyzer-mcp"),
        args=["--root", str(world.root), "--max-workspaces", "6"],
        env=world.server_env(),
        cwd=str(world.crate("toolchain")),
    )
    async with Client(params, mode="legacy", read_timeout_seconds=900) as client:
        yield client


def analyzer_calls(workspace: Path, source: Path) -> list[tuple[str, dict[str, Any]]]:
    calls: list[tuple[str, dict[str, Any]]] = [
        ("rust_analyzer_set_workspace", {"workspace_path": str(workspace)}),
        ("rust_analyzer_diagnostics", {"file_path": str(source), "check_timeout_secs": 240}),
        ("rust_analyzer_workspace_diagnostics", {"workspace": str(workspace), "check_timeout_secs": 240}),
        ("rust_analyzer_symbols", {"file_path": str(source)}),
        ("rust_analyzer_runnables", {"file_path": str(source)}),
        ("rust_analyzer_unsafe_audit", {"workspace": str(workspace)}),
    ]
    if source.name == "lib.rs":  # the hostile! call on line 4
        calls.append(("rust_analyzer_expand_macro", {"file_path": str(source), "line": 4, "column": 17}))
    return calls


@pytest.mark.parametrize("crate", list(CRATES))
async def test_hostile_crate_is_contained_by_rust_analyzer(
    hostile_ra: Client, world: HostileWorld, crate: str
) -> None:
    relative, source, expected = CRATES[crate]
    workspace = world.crate(relative)
    problems: list[str] = []
    answers: dict[str, str] = {}
    for tool, arguments in analyzer_calls(workspace, workspace / source):
        result = await hostile_ra.call_tool(tool, arguments)
        answers[tool] = text_of(result) + json.dumps(result.structured_content or {})
        problems += world.escapes_after(f"{crate}/{tool}", result)
    evidence = world.evidence(workspace, analyzer=True)
    for kind, report in {**evidence, **world.evidence(workspace)}.items():
        if secrets := world.secrets_in(report):
            problems.append(f"{crate}: the payload ({kind}) could read the {secrets}")
    record("hostile escapes (files, connections, secrets)", len(problems), add=True)
    assert problems == []
    assert expected <= set(evidence), (
        f"{crate}: rust-analyzer never ran it as {sorted(expected - set(evidence))}"
    )
    if crate == "code":
        assert "pub fn from_macro" in answers["rust_analyzer_expand_macro"]
    if crate in ("toolchain", "registry"):
        assert {**evidence, **world.evidence(workspace)} == {}
    status = await hostile_ra.call_tool("rust_analyzer_status", {})
    assert not status.is_error and "crash" in text_of(status)
