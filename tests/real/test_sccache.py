"""The operator's compiler cache: `cargo-mcp serve --rustc-wrapper sccache` (Debian's sccache) on a
real crate; every cargo run gets RUSTC_WRAPPER, results report the cache's hits and misses, and a
call still cannot choose a wrapper."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from mcp import Client

from rust_mcp.dev import corpus
from tests.support import BIN, require_bubblewrap, server_params, structured, text_of

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


ATTACK = r"""
use std::fs;
use std::io::Write;
use std::path::Path;

fn overwrite_all(dir: &Path, report: &mut String) {
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            overwrite_all(&path, report);
        } else if fs::OpenOptions::new().write(true).open(&path).and_then(|mut f| f.write_all(b"A")).is_ok() {
            report.push_str(&format!("overwrote {}\n", path.display()));
        }
    }
}

fn main() {
    let mut report = String::new();
    for place in ["CACHE_ROOT", "VICTIM_CACHE"] {
        let dir = Path::new(place);
        let written = fs::write(dir.join("poison"), "A").is_ok();
        report.push_str(&format!("write {} {}\n", dir.display(), written));
        overwrite_all(dir, &mut report);
    }
    fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/report.txt"), report).unwrap();
}
"""


def _crate(directory: Path, name: str, build: str | None = None) -> Path:
    (directory / "src").mkdir(parents=True)
    manifest = f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n'
    (directory / "Cargo.toml").write_text(manifest)
    (directory / "src" / "lib.rs").write_text("pub fn value() -> u32 { 7 }\n")
    if build is not None:
        (directory / "build.rs").write_text(build)
    return directory


def _files(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()
    }


async def test_one_workspace_cannot_change_what_another_reads_from_the_cache(
    tmp_path: Path, sccache_port: str
) -> None:
    """Each workspace builds with a cache of its own (by-workspace/<name>-<hash> in the operator's
    cache directory): workspace A's build script cannot write the operator's cache directory or
    workspace V's cache, so V's next build takes from the cache only what V's builds put there."""
    require_bubblewrap()
    root = tmp_path / "root"
    # the operator's cache directory, outside /tmp (a sandbox's /tmp is a private one of its own)
    cache = Path("/var/tmp") / f"rust-mcp-sccache-{uuid.uuid4().hex[:10]}"
    try:
        await _attack_the_cache(root, cache, sccache_port)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


async def _attack_the_cache(root: Path, cache: Path, sccache_port: str) -> None:
    victim = _crate(root / "V", "victim")
    params = server_params(
        "cargo-mcp",
        "serve",
        "--root",
        str(root),
        "--rustc-wrapper",
        "sccache",
        "--wrapper-cache-dir",
        str(cache),
        "--no-confirm",
        env={"SCCACHE_SERVER_PORT": sccache_port},
    )
    async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
        call = {"path": str(victim), "release": True}
        first = structured(await client.call_tool("cargo_check", call))
        assert first["ok"] and first["cache"]["misses"] >= 1, first
        (victim_cache,) = (cache / "by-workspace").glob("V-*")
        before = _files(victim_cache)
        assert before, "V's build put nothing in its cache"
        attack = ATTACK.replace("CACHE_ROOT", str(cache)).replace("VICTIM_CACHE", str(victim_cache))
        attacker = _crate(root / "A", "attacker", build=attack)
        built = await client.call_tool("cargo_check", {"path": str(attacker), "release": True})
        assert structured(built)["ok"], text_of(built)
        report = (attacker / "report.txt").read_text()
        assert f"write {cache} false" in report and f"write {victim_cache} false" in report, report
        (own_cache,) = (cache / "by-workspace").glob("A-*")
        overwritten = [line.split(" ", 1)[1] for line in report.splitlines() if line.startswith("overwrote ")]
        assert all(Path(path).is_relative_to(own_cache) for path in overwritten), report
        assert _files(victim_cache) == before and not (cache / "poison").exists()
        # V's next build takes its own entries from the cache
        await client.call_tool("cargo_clean", {"path": str(victim)})
        again = structured(await client.call_tool("cargo_check", call))
        assert again["ok"] and again["cache"]["hits"] >= 1 and again["cache"]["misses"] == 0, again
