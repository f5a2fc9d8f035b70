"""The dependency fetch through cargo-mcp, with real cargo and a loopback listener: a git
dependency and a registry index at loopback addresses are refused before anything connects (the
answer names the URL and the flag); an operator's --allow-fetch-host lets the same fetch connect."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from tests.support import BIN, require_bubblewrap, structured, text_of
from tests.support.canaries import loopback_listener

pytestmark = [pytest.mark.anyio, pytest.mark.real]


def _crate(root: Path, port: int) -> Path:
    crate = root / "fetcher"
    (crate / "src").mkdir(parents=True)
    (crate / "src" / "lib.rs").write_text("")
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "fetcher"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
        f'near = {{ git = "http://127.0.0.1:{port}/near.git" }}\n'
        f'far = {{ version = "1", registry-index = "sparse+http://localhost:{port}/index/" }}\n'
    )
    return crate


def _server(root: Path, *extra: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=str(BIN / "cargo-mcp"),
        args=["serve", "--root", str(root), "--log-dir", str(root.parent / "logs"), *extra],
        env=dict(os.environ),
        cwd=str(root),
    )


async def test_a_fetch_from_loopback_addresses_is_refused_unless_allowed(tmp_path: Path) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    with loopback_listener() as listener:
        crate = _crate(root, listener.port)
        async with Client(_server(root), mode="legacy", read_timeout_seconds=600) as client:
            result = await client.call_tool("cargo_check", {"path": str(crate)})
            update = await client.call_tool("cargo_update", {"path": str(crate)})
        answer = text_of(result) + str(structured(result))
        assert result.is_error and listener.connections == [], answer
        assert f"http://127.0.0.1:{listener.port}/near.git" in answer, answer
        assert "--allow-fetch-host HOST" in answer and "--allow-private-fetch" in answer, answer
        assert update.is_error and "cargo_update reaches the network, and was not run" in text_of(update)
        assert listener.connections == []
        allowed = _server(root, "--allow-fetch-host", "127.0.0.1", "--allow-fetch-host", "localhost")
        async with Client(allowed, mode="legacy", read_timeout_seconds=600) as client:
            await client.call_tool("cargo_check", {"path": str(crate)})
        assert listener.connections, "the allowed fetch did not reach the listener (the control)"


def _odd_crates(root: Path, port: int) -> dict[Path, str]:
    """Crates naming the loopback listener in ways cargo's URL parser reads as 127.0.0.1 but
    Python's did not, or in manifests the project walk skips or reached through a linked folder;
    raw cargo connects to each."""
    dependencies = {
        "backslash": f'x = {{ git = "http://127.0.0.1:{port}\\\\@github.com/x.git" }}',
        "one_slash": f'x = {{ git = "http:/127.0.0.1:{port}/x.git" }}',
        "no_slash": f'x = {{ version = "1", registry-index = "sparse+http:127.0.0.1:{port}/index/" }}',
    }
    crates = {}
    for name, dependency in dependencies.items():
        crate = root / name
        (crate / "src").mkdir(parents=True)
        (crate / "src" / "lib.rs").write_text("")
        manifest = f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n'
        manifest += f"[dependencies]\n{dependency}\n"
        (crate / "Cargo.toml").write_text(manifest)
        crates[crate] = f"127.0.0.1:{port}"
    hidden = root / "hidden_member"
    (hidden / ".m" / "src").mkdir(parents=True)
    (hidden / ".m" / "src" / "lib.rs").write_text("")
    (hidden / "Cargo.toml").write_text('[workspace]\nmembers = [".m"]\n')
    (hidden / ".m" / "Cargo.toml").write_text(
        '[package]\nname = "m"\nversion = "0.1.0"\nedition = "2021"\n\n'
        f'[build_dependencies]\nx = {{ git = "http://127.0.0.1:{port}/m.git" }}\n'
    )
    crates[hidden] = f"http://127.0.0.1:{port}/m.git"
    linking, elsewhere = root / "linking", root / "elsewhere"
    for crate in (linking, elsewhere):
        (crate / "src").mkdir(parents=True)
        (crate / "src" / "lib.rs").write_text("")
    (linking / "Cargo.toml").write_text(
        '[package]\nname = "linking"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[dependencies]\nnear = { path = "near", package = "elsewhere" }\n'
    )
    (linking / "near").symlink_to(elsewhere)  # cargo reads the dependency's manifest through it
    (elsewhere / "Cargo.toml").write_text(
        '[package]\nname = "elsewhere"\nversion = "0.1.0"\nedition = "2021"\n\n'
        f'[dependencies]\nx = {{ git = "http://127.0.0.1:{port}/linked.git" }}\n'
    )
    crates[linking] = f"http://127.0.0.1:{port}/linked.git"
    return crates


async def test_urls_cargo_reads_as_loopback_are_refused_however_written(tmp_path: Path) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    with loopback_listener() as listener:
        crates = _odd_crates(root, listener.port)
        async with Client(_server(root), mode="legacy", read_timeout_seconds=600) as client:
            for crate, named in crates.items():
                result = await client.call_tool("cargo_check", {"path": str(crate)})
                answer = text_of(result) + str(structured(result))
                assert result.is_error and named in answer and "--allow-private-fetch" in answer, answer
                assert listener.connections == [], (crate.name, answer)
