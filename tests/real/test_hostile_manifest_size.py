"""Second red team: a Cargo.toml that is slow to parse. tomllib takes 10-20 s for 4 MB of table
headers on this machine, and our process parses manifests on the event loop, which every session of
an engine shares: one session's project stalled all of them, and a call ran far past its deadline
(a cargo_check of 1.3 s took 30 s). A manifest over MAX_MANIFEST_BYTES (1 MB) is not parsed by this process
at all (cargo reads it, in the sandbox); one under it is parsed. Real cargo, servers in this process
(as the engine hosts them), tomllib watched."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server
from rust_mcp.core.roots import AllowedRoots
from tests.support import require_bubblewrap, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]
PARSED_AT_MOST = 1024 * 1024  # ~3 s of tomllib on a loaded machine for the slowest TOML: the bound
HEADER = '[package]\nname = "slow"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n\n'


def slow_manifest_crate(directory: Path, size: int) -> Path:
    """A crate whose Cargo.toml is `size` bytes, mostly `[package.metadata.tN]` headers (the slowest
    TOML per byte we found)."""
    (directory / "src").mkdir(parents=True)
    lines, total, number = [HEADER], len(HEADER), 0
    while total < size - 40:
        line = f"[package.metadata.t{number}]\n"
        lines.append(line)
        total, number = total + len(line), number + 1
    (directory / "Cargo.toml").write_text("".join(lines))
    (directory / "src" / "main.rs").write_text("fn main() {}\n")
    return directory


async def test_a_manifest_over_the_limit_is_never_parsed_by_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    large = slow_manifest_crate(root / "large", PARSED_AT_MOST + 256 * 1024)
    small = slow_manifest_crate(root / "small", 64 * 1024)
    parsed: list[int] = []
    loads = tomllib.loads

    def watched(text: str, /, **options: Any) -> dict[str, Any]:
        parsed.append(len(text))
        return loads(text, **options)

    monkeypatch.setattr(tomllib, "loads", watched)
    settings = CargoSettings(AllowedRoots((root,)), log_dir=tmp_path / "logs")
    async with Client(build_server(settings), mode="legacy") as client:
        said = text_of(await client.call_tool("cargo_check", {"path": str(large)}))
        assert "Error executing tool" not in said, said
        assert parsed and max(parsed) <= PARSED_AT_MOST, sorted(parsed)[-3:]
        parsed.clear()
        said = text_of(await client.call_tool("cargo_check", {"path": str(small)}))
        assert "Error executing tool" not in said, said
        assert max(parsed) > 60 * 1024  # the small one's manifest is parsed: the watch sees parses
