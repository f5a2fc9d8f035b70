"""cargo_outdated on a real crate with real crates.io index data: locked, newest compatible and newest
overall per dependency, nothing changed; its advice feeds cargo_update with verify."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from mcp import Client

from cargo_mcp.workflows.semver import Version
from tests.support import copy_fixture, structured

pytestmark = pytest.mark.anyio


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def behind(scratch: Path) -> Path:
    """A crate whose lock is behind: itoa and bitflags pinned to old versions, memchr 1 (2 exists)."""
    project = copy_fixture("hello_bin", scratch / "outdated")
    with (project / "Cargo.toml").open("a") as manifest:
        manifest.write('itoa = "1"\nmemchr = "1"\n\n[dev-dependencies]\nbitflags = "2.4"\n')
    subprocess.run(["cargo", "generate-lockfile", "--quiet"], cwd=project, check=True)
    for crate, version in (("itoa", "1.0.1"), ("bitflags", "2.4.0")):
        subprocess.run(
            ["cargo", "update", "--quiet", "-p", crate, "--precise", version], cwd=project, check=True
        )
    return project


@pytest.mark.real
async def test_outdated_reports_locked_compatible_and_latest(cargo: Client, scratch: Path) -> None:
    project = behind(scratch)
    lock = digest(project / "Cargo.lock")
    result = structured(await cargo.call_tool("cargo_outdated", {"path": str(project)}))
    found = {entry["name"]: entry for entry in result["outdated"]}
    itoa, memchr, bitflags = found["itoa"], found["memchr"], found["bitflags"]
    assert itoa["locked"] == "1.0.1" and itoa["status"] == "compatible_update"
    assert Version.parse(itoa["compatible"]) > Version.parse("1.0.10")  # type: ignore[operator]
    assert itoa["latest"] == itoa["compatible"]
    assert memchr["status"] == "new_major" and memchr["compatible"].startswith("1.")
    assert memchr["latest"].startswith("2.")
    assert bitflags["kind"] == "dev" and bitflags["locked"] == "2.4.0"
    compatible = 'dependencies=["bitflags", "itoa"] and verify="test"'
    assert any(compatible in hint for hint in result["hints"]), result["hints"]
    assert any(f'"memchr@{memchr["latest"]}"' in hint for hint in result["hints"])
    assert digest(project / "Cargo.lock") == lock and not (project / "target").exists()

    updated = await cargo.call_tool(
        "cargo_update", {"path": str(project), "dependencies": ["itoa"], "verify": "check"}
    )
    assert not updated.is_error
    after = structured(await cargo.call_tool("cargo_outdated", {"path": str(project)}))
    assert "itoa" not in {entry["name"] for entry in after["outdated"]}
    assert after["summary"].endswith("1 up to date") and result["summary"].endswith("0 up to date")
