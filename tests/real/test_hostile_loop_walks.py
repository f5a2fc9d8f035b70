"""Second red team, the event loop an engine's sessions share: a call naming a package walked the
whole workspace and parsed every manifest in it (up to 1 MB each, seconds each when hostile) on the
event loop, stalling every other session: cargo_check with `package`, the unsafe audit with
`package`, and a workspace-wide SSR rule. Each such walk must run on a worker thread. Real cargo and
rust-analyzer, servers in this process; package_directories watched in the modules that use it."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from mcp import Client

import cargo_mcp.parse.diagnostic_focus
import ra_mcp.places.ssr_contexts
import ra_mcp.tools.audit
from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server
from rust_mcp.core import cargo_projects
from rust_mcp.core.roots import AllowedRoots
from tests.support import FIXTURES, on_event_loop, require_bubblewrap, require_rust_analyzer, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]
WATCHED = (cargo_mcp.parse.diagnostic_focus, ra_mcp.tools.audit, ra_mcp.places.ssr_contexts)


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """(thread name, whether on the event loop) of every package_directories call."""
    seen: list[tuple[str, bool]] = []
    original: Callable[[Path], dict[str, Path]] = cargo_projects.package_directories

    def watched(root: Path) -> dict[str, Path]:
        seen.append((threading.current_thread().name, on_event_loop()))
        return original(root)

    for module in WATCHED:
        monkeypatch.setattr(module, "package_directories", watched)
    return seen


def _crate(root: Path) -> Path:
    crate = root / "hello_bin"
    shutil.copytree(FIXTURES / "hello_bin", crate, ignore=shutil.ignore_patterns("target"))
    return crate


async def test_cargo_check_of_a_package_walks_off_the_loop(
    tmp_path: Path, walks: list[tuple[str, bool]]
) -> None:
    require_bubblewrap()
    crate = _crate(tmp_path / "root")
    settings = CargoSettings(AllowedRoots((tmp_path / "root",)), log_dir=tmp_path / "logs")
    async with Client(build_server(settings), mode="legacy") as client:
        said = text_of(await client.call_tool("cargo_check", {"path": str(crate), "package": "hello_bin"}))
    assert "Error executing tool" not in said, said
    assert walks and not any(on_loop for _, on_loop in walks), walks


async def test_the_audit_of_a_package_walks_off_the_loop(
    tmp_path: Path, walks: list[tuple[str, bool]]
) -> None:
    require_bubblewrap()
    require_rust_analyzer()
    from ra_mcp.cli import prepare

    crate = _crate(tmp_path / "root")
    server, _, _ = prepare(["--root", str(tmp_path / "root"), "--log-dir", str(tmp_path / "logs")], tmp_path)
    async with Client(server, mode="legacy") as client:
        arguments = {"workspace": str(crate), "package": "hello_bin", "include_clippy": False}
        said = text_of(await client.call_tool("rust_analyzer_unsafe_audit", arguments))
    assert "Error executing tool" not in said, said
    assert walks and not any(on_loop for _, on_loop in walks), walks
