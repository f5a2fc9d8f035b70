"""The workflow prompts, as a client sees them."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client
from mcp_types import TextContent

from tests.support import server_params

pytestmark = [pytest.mark.anyio, pytest.mark.real]


async def _prompt_text(client: Client, name: str, arguments: dict[str, str]) -> str:
    result = await client.get_prompt(name, arguments)
    [message] = result.messages
    assert message.role == "user" and isinstance(message.content, TextContent)
    return message.content.text


async def test_cargo_prompts(cargo: Client) -> None:
    prompts = {p.name: p for p in (await cargo.list_prompts()).prompts}
    assert set(prompts) == {"upgrade_dependencies_safely", "check_all_targets"}
    targets = {a.name: a.required for a in prompts["check_all_targets"].arguments or []}
    assert targets == {"targets": True, "toolchain": False}
    text = await _prompt_text(
        cargo, "check_all_targets", {"targets": "wasm32-unknown-unknown, bpfel-unknown-none"}
    )
    assert 'cargo_check with targets=["wasm32-unknown-unknown", "bpfel-unknown-none"]' in text
    upgrade = await _prompt_text(cargo, "upgrade_dependencies_safely", {"dependencies": "serde,itoa"})
    assert upgrade.startswith("Upgrade serde, itoa") and "Call cargo_outdated" in upgrade
    assert 'cargo_update with dependencies=["serde", "itoa"] and verify="test"' in upgrade


async def test_rust_analyzer_prompts(workspace_root: Path) -> None:
    async with Client(
        server_params("rust-analyzer-mcp", "--root", str(workspace_root)), mode="legacy"
    ) as client:
        prompts = {p.name for p in (await client.list_prompts()).prompts}
        assert prompts == {"refactor_with_references_first", "audit_unsafe"}
        refactor = await _prompt_text(
            client,
            "refactor_with_references_first",
            {"symbol": "Point::norm2", "change": "rename it to squared_norm"},
        )
        assert refactor.startswith("Refactor `Point::norm2`: rename it to squared_norm")
        assert 'rust_analyzer_references with symbol="Point::norm2"' in refactor
        audit = await _prompt_text(client, "audit_unsafe", {"package": "unsafe_audit"})
        assert 'rust_analyzer_unsafe_audit with package="unsafe_audit"' in audit
