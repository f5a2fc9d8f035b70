"""Which way a cargo tool call runs is decided once (CallRequest.way): the route that runs it and the
memory of repeated calls (call_routes._asked, which keeps only one cargo run's answer) both read
that decision. Before, _asked kept its own copy of the route's conditions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cargo_mcp.run.cargo_service import CargoService
from cargo_mcp.run.invocation import CallRequest, Way
from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.table.rows import COMMANDS_BY_NAME
from cargo_mcp.workflows import call_routes
from rust_mcp.core.roots import AllowedRoots


def request(tool: str, values: dict[str, Any], working: Path | None = None) -> CallRequest:
    return CallRequest(COMMANDS_BY_NAME[tool], values, working, None, None)


@pytest.mark.parametrize(
    ("tool", "values", "way"),
    [
        ("cargo_check", {}, Way.ONE_RUN),
        ("cargo_check", {"targets": ["x86_64-unknown-linux-gnu"]}, Way.TARGET_MATRIX),
        ("cargo_check", {"changed": True}, Way.SCOPED),
        ("cargo_check", {"since": "main"}, Way.SCOPED),
        ("cargo_check", {"changed": True, "targets": ["wasm32-unknown-unknown"]}, Way.TARGET_MATRIX),
        ("cargo_outdated", {}, Way.OUTDATED),
        ("cargo_add", {"dependencies": ["serde"], "verify": "check"}, Way.VERIFIED_CHANGE),
        ("cargo_add", {"dependencies": ["serde"], "verify": "check", "dry_run": True}, Way.ONE_RUN),
        ("cargo_clippy", {"changed": False, "since": None}, Way.ONE_RUN),
    ],
)
def test_each_call_has_one_way(tool: str, values: dict[str, Any], way: Way) -> None:
    assert request(tool, values).way is way


@pytest.mark.parametrize(
    ("tool", "values"),
    [
        ("cargo_check", {"targets": ["x86_64-unknown-linux-gnu"]}),
        ("cargo_check", {"since": "main"}),
        ("cargo_outdated", {}),
        ("cargo_add", {"dependencies": ["serde"], "verify": "check"}),
        ("cargo_clean", {}),  # asks first
    ],
)
def test_only_a_one_run_call_that_asks_nothing_is_remembered(
    tool: str, values: dict[str, Any], tmp_path: Path
) -> None:
    service = CargoService(CargoSettings(AllowedRoots.from_strings([str(tmp_path)]), log_dir=tmp_path / "l"))
    assert call_routes._asked(service, request(tool, values)) is None
    assert call_routes._asked(service, request("cargo_check", {"path": "app"}, tmp_path)) == tmp_path / "app"
    assert call_routes._asked(service, request("cargo_check", {"path": "~/app"})) is None
