"""The operator's compiler cache: `cargo-mcp serve --rustc-wrapper sccache` (Debian's sccache) on a
real crate; every cargo run gets RUSTC_WRAPPER, results report the cache's hits and misses, and a
call still cannot choose a wrapper."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from mcp import Client

from bench import corpus
from tests.support import BIN, server_params, structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]


def require_sccache() -> str:
    found = shutil.which("sccache")
    if found is None:
        raise AssertionError("these tests need sccache: apt-get install sccache (scripts/test installs it)")
    return found


@pytest.fixture
def sccache_port() -> Iterator[str]:
    """A private sccache server for this test (its own port), stopped afterwards."""
    require_sccache()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    yield port
    env = {**os.environ, "SCCACHE_SERVER_PORT": port}
    subprocess.run(["sccache", "--stop-server"], env=env, capture_output=True, check=False)


@pytest.fixture
async def cached_cargo(tmp_path: Path, sccache_port: str) -> AsyncIterator[tuple[Client, Path]]:
    crate = corpus.copy(corpus.MEMCHR, tmp_path)
    params = server_params(
        "cargo-mcp",
        "serve",
        "--root",
        str(tmp_path),
        "--rustc-wrapper",
        "sccache",
        "--wrapper-cache-dir",
        str(tmp_path / "sccache"),
        env={"SCCACHE_SERVER_PORT": sccache_port},
    )
    async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
        yield client, crate


async def test_sccache_hits_are_reported(cached_cargo: tuple[Client, Path], tmp_path: Path) -> None:
    client, crate = cached_cargo
    call = {"path": str(crate), "release": True}  # release: no incremental, so memchr is cacheable
    first = structured(await client.call_tool("cargo_check", call))
    assert first["ok"] and first["cache"]["wrapper"] == shutil.which("sccache")
    assert first["cache"]["misses"] >= 1 and first["cache"]["hits"] == 0
    assert any((tmp_path / "sccache").iterdir())  # the cache lives where the operator said
    await client.call_tool("cargo_clean", {"path": str(crate)})
    again = await client.call_tool("cargo_check", call)
    cache = structured(again)["cache"]
    assert cache["hits"] >= 1 and cache["misses"] == 0
    assert f"compiler cache ({cache['wrapper']}): {cache['hits']} hit" in text_of(again)
    refused = await client.call_tool("cargo_check", {**call, "cargo_env": {"RUSTC_WRAPPER": "/bin/true"}})
    assert refused.is_error and "RUSTC_WRAPPER" in text_of(refused)


def test_an_unknown_wrapper_stops_the_server_at_start(tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(BIN / "cargo-mcp"), "serve", "--root", str(tmp_path), "--rustc-wrapper", "no-such-cache"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    assert proc.returncode != 0 and "--rustc-wrapper 'no-such-cache' is not an executable" in proc.stderr
