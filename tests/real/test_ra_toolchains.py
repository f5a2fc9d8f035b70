"""rust-analyzer-mcp and toolchains: a project pinning a toolchain that is not installed is refused
with both fixes named (install it, or have the server use another one), and each fix works: toolchain=
on rust_analyzer_set_workspace, or the server started with --default-toolchain."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from mcp import Client

from ra_mcp.server import AnalyzerSettings, build_server
from rust_mcp.core.roots import AllowedRoots
from tests.real.test_ra_tools import ra_structured
from tests.support import copy_fixture, require_rust_analyzer, text_of

pytestmark = pytest.mark.anyio
MISSING = "1.70.0"  # not installed on the test machine (rustup toolchain list)


def _pinned(scratch: Path, name: str) -> Path:
    crate = copy_fixture("hello_bin", scratch / name)
    (crate / "rust-toolchain.toml").write_text(f'[toolchain]\nchannel = "{MISSING}"\n')
    return crate


@asynccontextmanager
async def _server(root: Path, default_toolchain: str | None = None) -> AsyncIterator[Client]:
    require_rust_analyzer()
    settings = AnalyzerSettings(AllowedRoots.from_strings([str(root)]), default_toolchain=default_toolchain)
    async with Client(build_server(settings), mode="legacy", read_timeout_seconds=600) as client:
        yield client


def _hover_greeting(crate: Path) -> dict[str, object]:
    return {"file_path": str(crate / "src" / "main.rs"), "line": 3, "symbol": "greeting"}


@pytest.mark.real
async def test_a_missing_pinned_toolchain_is_refused_then_toolchain_on_set_workspace_works(
    scratch: Path,
) -> None:
    crate = _pinned(scratch, "pinned_set_workspace")
    async with _server(crate) as client:
        refused = await client.call_tool("rust_analyzer_hover", _hover_greeting(crate))
        text = text_of(refused)
        assert refused.is_error and f"toolchain {MISSING!r} is not installed" in text, text
        assert f"rustup toolchain install {MISSING}" in text, text
        assert "rust-toolchain.toml pins" in text and "toolchain= to rust_analyzer_set_workspace" in text, (
            text
        )
        assert "--default-toolchain" in text, text
        bad = await client.call_tool(
            "rust_analyzer_set_workspace", {"workspace_path": str(crate), "toolchain": MISSING}
        )
        assert bad.is_error and "Installed toolchains: " in text_of(bad), text_of(bad)
        chosen = await client.call_tool(
            "rust_analyzer_set_workspace", {"workspace_path": str(crate), "toolchain": "stable"}
        )
        assert not chosen.is_error, text_of(chosen)
        assert ra_structured("rust_analyzer_set_workspace", chosen)["toolchain"] == "stable"
        hover = await client.call_tool("rust_analyzer_hover", _hover_greeting(crate))
        assert not hover.is_error and "fn greeting" in text_of(hover), text_of(hover)
        status = text_of(await client.call_tool("rust_analyzer_status", {}))
        assert "[toolchain stable]" in status, status


@pytest.mark.real
async def test_a_default_toolchain_overrides_the_missing_pinned_one(scratch: Path) -> None:
    crate = _pinned(scratch, "pinned_default")
    async with _server(crate, default_toolchain="stable") as client:
        hover = await client.call_tool("rust_analyzer_hover", _hover_greeting(crate))
        assert not hover.is_error and "fn greeting" in text_of(hover), text_of(hover)
