"""Every escape attempt in the table is refused with a reason, and none reaches a process."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from tests.escape_cases import analyzer_cases, cargo_cases
from tests.figures import record
from tests.support import processes_under, server_params, text_of

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory, workspace_root: Path) -> Path:
    """A real crate outside the roots, with a symlink to it from inside."""
    crate = tmp_path_factory.mktemp("outside-escapes") / "crate"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "outside"\nversion = "0.1.0"\nedition = "2021"\n')
    (crate / "src" / "lib.rs").write_text("pub fn evil() {}\n")
    (crate / "evil.rs").write_text("pub fn evil() {}\n")
    link = workspace_root / "scratch" / "escape"
    link.parent.mkdir(exist_ok=True)
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(crate)
    return crate


async def test_no_escape_reaches_a_process(workspace_root: Path, outside: Path, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    cargo_params = server_params("cargo-mcp", "serve", "--root", str(workspace_root), "--log-dir", str(logs))
    analyzer_params = server_params("rust-analyzer-mcp", "--root", str(workspace_root))
    cases = cargo_cases(workspace_root, outside) + analyzer_cases(workspace_root, outside)
    assert len(cases) >= 40
    failures = []
    async with (
        Client(cargo_params, mode="legacy") as cargo,
        Client(analyzer_params, mode="legacy") as analyzer,
    ):
        for case in cases:
            client = cargo if case.server == "cargo" else analyzer
            result = await client.call_tool(case.tool, case.arguments)
            text = text_of(result)
            if not result.is_error or len(text) < 20:
                failures.append(f"{case.tool} {case.arguments!r}: {text[:200]}")
        status = await analyzer.call_tool("rust_analyzer_status", {})
        assert "0 workspace(s) loaded" in text_of(status), text_of(status)  # no rust-analyzer was started
    reached = len(list(logs.iterdir())) + len(processes_under(outside))
    record("escape cases tried", len(cases))
    record("escapes (not refused, or reached a process)", len(failures) + reached)
    assert failures == [], f"{len(failures)} of {len(cases)} were not refused"
    assert list(logs.iterdir()) == []  # cargo never ran
    assert processes_under(outside) == []
