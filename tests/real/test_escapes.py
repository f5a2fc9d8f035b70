"""Every escape attempt in the table is refused for its own reason, and none reaches a process, through
the real servers over stdio (through in-memory clients: tests/fast/test_escapes_in_memory.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from rust_mcp.dev.figures import record
from tests.support import processes_under, server_params
from tests.support.escape_checks import all_cases, outside_crate, refuse_all

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory, workspace_root: Path) -> Path:
    return outside_crate(tmp_path_factory.mktemp("outside-escapes"), workspace_root)


@pytest.mark.real
async def test_no_escape_reaches_a_process(workspace_root: Path, outside: Path, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    cargo_params = server_params("cargo-mcp", "serve", "--root", str(workspace_root), "--log-dir", str(logs))
    analyzer_params = server_params("rust-analyzer-mcp", "--root", str(workspace_root))
    cases = all_cases(workspace_root, outside)
    async with (
        Client(cargo_params, mode="legacy") as cargo,
        Client(analyzer_params, mode="legacy") as analyzer,
    ):
        failures = await refuse_all(cargo, analyzer, cases)
    reached = len(list(logs.iterdir())) + len(processes_under(outside))
    record("escape cases tried", len(cases))
    record("escapes (not refused, or reached a process)", len(failures) + reached)
    assert failures == [], (
        f"{len(failures)} of {len(cases)} were not refused for their reason:\n" + "\n".join(failures)
    )
    assert list(logs.iterdir()) == []  # cargo never ran
    assert processes_under(outside) == []
