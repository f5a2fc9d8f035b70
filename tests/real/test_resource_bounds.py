"""Nothing grows without bound, through real clients: a run's log is capped and private, a huge
sparse .rs file added after a workspace loaded is neither read nor sent to rust-analyzer (the server's
memory stays flat), and a manifest's `package.workspace` pointing at `/` or `/usr` makes neither
server look outside the roots (walking `/` used to crash the call)."""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from mcp import Client

from rust_mcp.core.budgets import MAX_LOG_HEAD_BYTES, MAX_LOG_TAIL_BYTES
from rust_mcp.dev.figures import record
from tests.real.test_ra_tools import ra_structured
from tests.support import live_processes, require_rust_analyzer, server_params, structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]
SPARSE_MB = int(os.environ.get("RUST_MCP_SPARSE_MB", "64"))
LOUD_TEST = """#[test]
fn loud() {
    let line = "x".repeat(1023);
    for _ in 0..65_536 {
        println!("{line}");
    }
}
"""


def _crate(directory: Path, manifest_extra: str = "", lib: str = "pub fn one() -> u32 { 1 }\n") -> Path:
    if directory.exists():
        shutil.rmtree(directory)
    (directory / "src").mkdir(parents=True)
    (directory / "Cargo.toml").write_text(
        f'[package]\nname = "{directory.name}"\nversion = "0.1.0"\nedition = "2021"\n{manifest_extra}'
    )
    (directory / "src" / "lib.rs").write_text(lib)
    return directory


async def test_run_logs_are_capped_and_private(cargo: Client, scratch: Path) -> None:
    crate = _crate(scratch / "loud", lib=LOUD_TEST)
    result = await cargo.call_tool("cargo_test", {"path": str(crate), "args": ["--nocapture"]})
    log = Path(structured(result)["log_path"])
    size = log.stat().st_size
    record("log bytes for 64 MB of test output", size)
    assert size <= MAX_LOG_HEAD_BYTES + MAX_LOG_TAIL_BYTES + 200, size  # 64 MB were printed
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert b"bytes of output cut here" in log.read_bytes()[MAX_LOG_HEAD_BYTES - 10 :][:300]


def _server_pid(root: Path) -> int:
    """The rust-analyzer-mcp server (a Python process) serving `root`."""
    found = [pid for pid, _, cmdline in live_processes(root) if "rust-analyzer-mcp" in cmdline]
    assert len(found) == 1, found
    return found[0]


def _analyzer_pids(root: Path) -> list[int]:
    """rust-analyzer processes working for the server serving `root` (sandboxed or not)."""
    return [
        pid
        for pid, _, cmdline in live_processes(root)
        if "rust-analyzer" in cmdline and "rust-analyzer-mcp" not in cmdline and "bwrap" not in cmdline
    ]


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.fixture
async def own_analyzer(tmp_path: Path) -> AsyncIterator[tuple[Client, Path]]:
    require_rust_analyzer()
    root = tmp_path / "root"
    root.mkdir()
    params = server_params("rust-analyzer-mcp", "--root", str(root))
    async with Client(params, mode="legacy", read_timeout_seconds=600) as client:
        yield client, root


async def _until_quiescent(client: Client) -> None:
    """Until rust-analyzer has also indexed and primed its caches, whose memory is not the file's."""
    for _ in range(600):
        status = ra_structured("rust_analyzer_status", await client.call_tool("rust_analyzer_status", {}))
        if status["workspaces"] and all(w["quiescent"] for w in status["workspaces"]):
            return
        await anyio.sleep(0.2)
    raise AssertionError(f"rust-analyzer never became quiescent: {status}")


async def test_a_huge_sparse_file_added_after_load_is_not_read(own_analyzer: tuple[Client, Path]) -> None:
    client, root = own_analyzer
    crate = _crate(root / "sparse")
    lib = crate / "src" / "lib.rs"
    loaded = await client.call_tool("rust_analyzer_symbols", {"file_path": str(lib)})
    assert not loaded.is_error, text_of(loaded)
    await _until_quiescent(client)  # answers come once the build data is in; indexing goes on after
    pid = _server_pid(root)
    before = _peak_rss_mb(pid)
    analyzers = _analyzer_pids(root)
    analyzer_before = sum(_peak_rss_mb(p) for p in analyzers)
    with (crate / "src" / "huge.rs").open("wb") as handle:  # sparse: no disk used
        handle.truncate(SPARSE_MB * 1024 * 1024)
    for tool in ("rust_analyzer_symbols", "rust_analyzer_diagnostics", "rust_analyzer_symbols"):
        answer = await client.call_tool(tool, {"file_path": str(lib)})
        assert not answer.is_error, text_of(answer)
    refused = await client.call_tool("rust_analyzer_symbols", {"file_path": str(crate / "src" / "huge.rs")})
    assert refused.is_error and "bytes" in text_of(refused), text_of(refused)
    after = _peak_rss_mb(pid)
    analyzer_after = sum(_peak_rss_mb(p) for p in analyzers)
    record(f"server peak memory growth with a {SPARSE_MB} MB sparse file (MB)", round(after - before, 1))
    record(
        f"rust-analyzer peak memory growth with a {SPARSE_MB} MB sparse file (MB)",
        round(analyzer_after - analyzer_before, 1),
    )
    assert after - before < 50, f"peak RSS grew from {before:.0f} MB to {after:.0f} MB"
    assert analyzers and analyzer_after - analyzer_before < 50, (analyzers, analyzer_before, analyzer_after)


@pytest.mark.parametrize("claimed", ["/", "/usr"])
async def test_workspace_discovery_stays_inside_the_roots(
    cargo: Client, ra: Client, scratch: Path, claimed: str
) -> None:
    crate = _crate(scratch / f"claims-{claimed.strip('/') or 'root'}", f'workspace = "{claimed}"\n')
    checked = await cargo.call_tool("cargo_check", {"path": str(crate)})
    answer = text_of(checked) + json.dumps(checked.structured_content or {})
    assert "unexpected" not in answer and "Errno" not in answer, answer[:600]
    assert checked.structured_content is not None, answer[:600]  # cargo's own answer, not a crash
    audit = await ra.call_tool("rust_analyzer_unsafe_audit", {"workspace": str(crate)})
    assert "unexpected" not in text_of(audit) and "Errno" not in text_of(audit), text_of(audit)[:600]
