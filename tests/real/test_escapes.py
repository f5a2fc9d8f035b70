"""Every escape attempt in the table is refused for its own reason, and none reaches a process: once
through in-memory clients (fast tier) and once through the real servers over stdio."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server as build_cargo_server
from ra_mcp.server import AnalyzerSettings
from ra_mcp.server import build_server as build_analyzer_server
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.dev.figures import record
from tests.support import processes_under, server_params, text_of
from tests.support.escape_cases import Escape, analyzer_cases, cargo_cases

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


def not_refused_for_its_reason(case: Escape, is_error: bool, text: str) -> str | None:
    """Why this answer is not the refusal the case expects, or None when it is."""
    if not is_error:
        return "not an error"
    if not text.startswith("Refused: ") or "othing was run" not in text:
        return "not a refusal"
    if case.reason not in text:
        return f"refused, but not because {case.reason!r}"
    return None


async def refuse_all(cargo: Client, analyzer: Client, cases: list[Escape]) -> list[str]:
    """Every case that was not refused for its reason, described; and no rust-analyzer started."""
    failures = []
    for case in cases:
        result = await (cargo if case.server == "cargo" else analyzer).call_tool(case.tool, case.arguments)
        text = text_of(result)
        if (why := not_refused_for_its_reason(case, bool(result.is_error), text)) is not None:
            failures.append(f"{case.tool} {case.arguments!r}: {why}: {text[:200]}")
    status = text_of(await analyzer.call_tool("rust_analyzer_status", {}))
    assert "0 workspace(s) loaded" in status, status
    return failures


def all_cases(workspace_root: Path, outside: Path) -> list[Escape]:
    cases = cargo_cases(workspace_root, outside) + analyzer_cases(workspace_root, outside)
    assert len(cases) >= 40
    return cases


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
