"""Thirteenth red team: before cargo add/remove/update and clippy --fix the server keeps the files
they may change (guards.guard_for), a snapshot whose bytes were bounded (SNAPSHOT_BYTES) but whose
directory walk was not: a project that plants 200,000 empty folders held a worker thread for the
whole walk, and a cancelled call waited for it. Now the walk shares the one bound of a project walk
(cargo_projects.WALKED_DIRECTORIES); past it the command is refused before anything runs, naming the
limit, where the walk stopped and what to do, instead of running with nothing to put back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cargo_mcp.run.cargo_service import CargoService
from cargo_mcp.run.guards import guard_for
from cargo_mcp.run.invocation import CallRequest
from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.table.rows import COMMANDS_BY_NAME
from cargo_mcp.workflows.call_routes import call_tool
from rust_mcp.core import cargo_projects, project_walk
from rust_mcp.core.errors import Refusal
from rust_mcp.core.roots import AllowedRoots

LIMIT = 50
MANIFEST = '[package]\nname = "planted"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'


def _planted(tmp_path: Path) -> Path:
    project = tmp_path / "planted"
    (project / "src").mkdir(parents=True)
    (project / "Cargo.toml").write_text(MANIFEST)
    (project / "src" / "lib.rs").write_text("")
    for number in range(4 * LIMIT):
        (project / "many" / f"d{number:03}").mkdir(parents=True)
    return project


def _service(tmp_path: Path) -> CargoService:
    return CargoService(CargoSettings(AllowedRoots.from_strings([str(tmp_path)]), log_dir=tmp_path / "logs"))


@pytest.fixture
def listed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The directories the walk lists, with the bound lowered to LIMIT."""
    seen: list[str] = []
    original = project_walk._listed

    def watched(listing: int, directory: str, *args: Any) -> Any:
        seen.append(directory)
        return original(listing, directory, *args)

    monkeypatch.setattr(project_walk, "_listed", watched)
    monkeypatch.setattr(cargo_projects, "WALKED_DIRECTORIES", LIMIT, raising=False)
    return seen


@pytest.mark.parametrize("tool", ["cargo_remove", "cargo_clippy_fix"])
def test_the_snapshot_walk_is_bounded_and_refused_past_it(
    tmp_path: Path, listed: list[str], tool: str
) -> None:
    project = _planted(tmp_path)
    values = (
        {"path": str(project), "dependencies": ["serde"]}
        if tool == "cargo_remove"
        else {"path": str(project)}
    )
    invocation = _service(tmp_path).prepare(COMMANDS_BY_NAME[tool], values, None)
    with pytest.raises(Refusal) as refused:
        guard_for(invocation)
    assert len(listed) <= LIMIT, f"{len(listed)} directories listed"  # 203 before, and no refusal
    message = str(refused.value)
    assert message.startswith(f"{tool} was not run:") and f"more than {LIMIT} directories" in message
    assert str(project / "many") in message and "Move the directories" in message, message


def test_a_dry_run_writes_nothing_and_needs_no_snapshot(tmp_path: Path, listed: list[str]) -> None:
    project = _planted(tmp_path)
    values = {"path": str(project), "dependencies": ["serde"], "dry_run": True}
    invocation = _service(tmp_path).prepare(COMMANDS_BY_NAME["cargo_remove"], values, None)
    assert guard_for(invocation) is None and listed == []


@pytest.mark.anyio
async def test_the_call_is_refused_before_anything_runs(tmp_path: Path, listed: list[str]) -> None:
    project = _planted(tmp_path)
    request = CallRequest(
        COMMANDS_BY_NAME["cargo_remove"], {"path": str(project), "dependencies": ["serde"]}, None, None, None
    )
    with pytest.raises(Refusal, match="cargo_remove was not run"):
        await call_tool(_service(tmp_path), request)
    assert (project / "Cargo.toml").read_text() == MANIFEST
    assert not (tmp_path / "logs").exists() or not any((tmp_path / "logs").iterdir())  # nothing ran
