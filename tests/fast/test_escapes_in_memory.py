"""Every escape attempt in the table is refused for its own reason through in-memory clients, and none
reaches a process (over stdio with the real servers: tests/real/test_escapes.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server as build_cargo_server
from ra_mcp.server import AnalyzerSettings
from ra_mcp.server import build_server as build_analyzer_server
from rust_mcp.core.roots import AllowedRoots
from tests.support import processes_under
from tests.support.escape_checks import all_cases, outside_crate, refuse_all

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory, workspace_root: Path) -> Path:
    return outside_crate(tmp_path_factory.mktemp("outside-escapes"), workspace_root)


async def test_every_escape_is_refused_for_its_reason(
    workspace_root: Path, outside: Path, tmp_path: Path
) -> None:
    roots = AllowedRoots.from_strings([str(workspace_root)])
    cases = all_cases(workspace_root, outside)
    async with (
        Client(build_cargo_server(CargoSettings(roots, log_dir=tmp_path)), mode="legacy") as cargo,
        Client(build_analyzer_server(AnalyzerSettings(roots)), mode="legacy") as analyzer,
    ):
        failures = await refuse_all(cargo, analyzer, cases)
    assert failures == [], f"{len(failures)} of {len(cases)}:\n" + "\n".join(failures)
    assert list(tmp_path.iterdir()) == []  # cargo never ran: no log
    assert processes_under(outside) == []
