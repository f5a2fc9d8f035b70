"""Fast tier: annotations follow from a tool's capability, and every tool of both servers gets its
annotations that way (in-memory clients, nothing started)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client
from mcp_types import ToolAnnotations

from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server as build_cargo_server
from cargo_mcp.table.rows import COMMANDS
from cargo_mcp.tool_set import row_annotations
from ra_mcp.server import AnalyzerSettings
from ra_mcp.server import build_server as build_analyzer_server
from ra_mcp.tool_set import TOOLS
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.mcp import capabilities
from rust_mcp.mcp.capabilities import Capability

# capability, sandboxed -> (readOnly, destructive, openWorld) for a tool that asks for no open world
HINTS = [
    (Capability.READ, True, (True, None, False)),
    (Capability.READ, False, (True, None, False)),
    (Capability.RUN, True, (True, None, False)),
    (Capability.RUN, False, (False, True, True)),
    (Capability.EDIT, True, (False, False, False)),
    (Capability.EDIT, False, (False, False, False)),
    (Capability.DESTRUCTIVE, True, (False, True, False)),
    (Capability.DESTRUCTIVE, False, (False, True, False)),
]


@pytest.mark.parametrize(("capability", "sandboxed", "expected"), HINTS)
def test_hints_follow_from_the_capability(
    capability: Capability, sandboxed: bool, expected: tuple[bool, bool | None, bool]
) -> None:
    hints = capabilities.annotations(capability, title="t", sandboxed=sandboxed, idempotent=True)
    assert (hints.read_only_hint, hints.destructive_hint, hints.open_world_hint) == expected
    assert hints.title == "t" and hints.idempotent_hint is True


def test_open_world_is_kept_where_asked() -> None:
    assert (
        capabilities.annotations(Capability.RUN, title="t", sandboxed=True, open_world=True).open_world_hint
        is True
    )


@pytest.mark.anyio
async def test_every_tool_is_annotated_from_its_capability(tmp_path: Path) -> None:
    roots = AllowedRoots.from_strings([str(tmp_path)])
    expected = {c.name: row_annotations(c, True) for c in COMMANDS} | {
        t.name: capabilities.annotations(t.capability, title=t.title, sandboxed=True, idempotent=t.idempotent)
        for t in TOOLS
    }
    listed: dict[str, ToolAnnotations | None] = {}
    for server in (
        build_cargo_server(CargoSettings(roots, log_dir=tmp_path / "logs")),
        build_analyzer_server(AnalyzerSettings(roots, rust_analyzer=str(tmp_path / "missing"))),
    ):
        async with Client(server, mode="legacy") as client:
            listed |= {tool.name: tool.annotations for tool in (await client.list_tools()).tools}
    assert listed.pop("set_working_directory") == capabilities.annotations(
        Capability.READ, title="Set working directory", sandboxed=True, idempotent=True
    )
    assert listed == expected
    writers = {name for name, hints in listed.items() if hints is not None and not hints.read_only_hint}
    assert writers == {
        "cargo_clippy_fix",
        "cargo_run",
        "cargo_add",
        "cargo_remove",
        "cargo_update",
        "cargo_clean",
        "cargo_insta_accept",
        "cargo_insta_reject",
        "rust_analyzer_format",
        "rust_analyzer_rename",
        "rust_analyzer_ssr",
        "rust_analyzer_apply_code_action",
    }
