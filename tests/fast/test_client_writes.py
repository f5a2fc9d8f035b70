"""A client whose own sandbox is read-only (Codex's codex/sandbox-state-meta) gets a refusal for a
tool that changes the project, before anything runs, naming the policy and the way out; a dry run
and a client that may write the directory are not refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cargo_mcp.run.cargo_service import CargoService
from cargo_mcp.run.invocation import CallRequest
from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.table.rows import COMMANDS_BY_NAME
from cargo_mcp.workflows.call_routes import call_tool
from rust_mcp.core.client_policy import ClientPolicy
from rust_mcp.core.containment import refuse_unwritable
from rust_mcp.core.errors import Refusal
from rust_mcp.core.roots import AllowedRoots
from tests.support import copy_fixture

pytestmark = pytest.mark.anyio

READ_ONLY = ClientPolicy(source="codex/sandbox-state-meta", writable=())


async def _refused_for_read_only(tmp_path: Path, tool: str, arguments: dict[str, Any]) -> str:
    """The refusal a read-only client gets from `tool` with `arguments` (logs in tmp_path/logs)."""
    service = CargoService(
        CargoSettings(AllowedRoots.from_strings([str(tmp_path)]), log_dir=tmp_path / "logs")
    )
    with pytest.raises(Refusal) as refused:
        await call_tool(service, CallRequest(COMMANDS_BY_NAME[tool], arguments, None, None, READ_ONLY))
    return str(refused.value)


async def test_a_read_only_client_gets_a_refusal_before_cargo_remove_runs(tmp_path: Path) -> None:
    project = copy_fixture("with_path_dep", tmp_path)
    manifest = (project / "Cargo.toml").read_text()
    message = await _refused_for_read_only(
        tmp_path, "cargo_remove", {"path": str(project), "dependencies": ["helper"]}
    )
    assert "cargo_remove changes files in" in message and str(project) in message
    assert "read-only" in message and "workspace-write" in message and "dry_run=true" in message
    assert (project / "Cargo.toml").read_text() == manifest
    assert not (tmp_path / "logs").exists() or not any((tmp_path / "logs").iterdir())  # nothing ran


def test_writable_places_and_unrestricted_clients_pass(tmp_path: Path) -> None:
    inside = tmp_path / "ws" / "crate"
    inside.mkdir(parents=True)
    refuse_unwritable(None, inside, "cargo_add", True)
    refuse_unwritable(ClientPolicy(source="codex", writable=None), inside, "cargo_add", True)
    refuse_unwritable(ClientPolicy(source="codex", writable=(tmp_path / "ws",)), inside, "cargo_add", True)
    with pytest.raises(Refusal) as refused:
        refuse_unwritable(
            ClientPolicy(source="codex", writable=(tmp_path / "other",)), inside, "cargo_fmt", False
        )
    assert "dry_run" not in str(refused.value) and str(tmp_path / "other") in str(refused.value)


async def test_a_read_only_client_gets_a_refusal_before_insta_accept_runs(tmp_path: Path) -> None:
    project = copy_fixture("hello_bin", tmp_path)
    message = await _refused_for_read_only(
        tmp_path, "cargo_insta_accept", {"path": str(project), "snapshots": ["api__greeting"]}
    )
    assert "cargo_insta_accept changes files in" in message and "dry_run" not in message
