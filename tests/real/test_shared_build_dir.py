"""One set of build artifacts per workspace (docs/security.md, "Build output"): rust-analyzer's check,
cargo_check and the unsafe audit's clippy build in the workspace's own target directory with flags
that agree, so what one built the next finds fresh; and a cargo_check asked while rust-analyzer's
check holds that directory's lock waits for it and completes."""

from __future__ import annotations

import asyncio
import fcntl
import os
from pathlib import Path

import pytest
from mcp import Client

from tests.real.test_ra_tools import call
from tests.support import copy_fixture, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]

Stamps = dict[str, int]


def fingerprints(target: Path) -> Stamps:
    """Every file of cargo's fingerprint records under `target/debug` with its mtime: cargo rewrites
    a unit's record when it compiles the unit again, and adds one for a unit it compiles first."""
    records = target / "debug" / ".fingerprint"
    if not records.is_dir():
        return {}
    return {str(p.relative_to(records)): p.stat().st_mtime_ns for p in records.rglob("*") if p.is_file()}


def recompiled(before: Stamps, after: Stamps) -> list[str]:
    """Records new or rewritten in `after`: units cargo compiled (again)."""
    return sorted(name for name, stamp in after.items() if before.get(name) != stamp)


def rewritten(before: Stamps, after: Stamps) -> list[str]:
    """Records of `before` that `after` has rewritten or lost."""
    return sorted(name for name, stamp in before.items() if after.get(name) != stamp)


async def checked_by_analyzer(ra: Client, root: Path, file: str) -> None:
    """rust-analyzer's check of `root` ran to its end (the answer says cargo check ran)."""
    result = await call(
        ra,
        "rust_analyzer_diagnostics",
        {"file_path": str(root / file), "wait": True, "check_timeout_secs": 600},
    )
    assert result["check_ran"] is True, result


async def test_cargo_check_and_audit_reuse_what_rust_analyzer_built(
    ra: Client, cargo: Client, scratch: Path
) -> None:
    root = copy_fixture("with_path_dep", scratch / "shared_build")
    await checked_by_analyzer(ra, root, "src/main.rs")
    built = fingerprints(root / "target")
    helper = {name: stamp for name, stamp in built.items() if name.startswith("helper-")}
    assert helper and any(n.startswith("with_path_dep-") for n in built), sorted(built)

    result = await cargo.call_tool("cargo_check", {"path": str(root), "all_targets": True})
    assert not result.is_error, text_of(result)
    after_check = fingerprints(root / "target")
    assert recompiled(built, after_check) == [], "cargo_check compiled again what rust-analyzer had built"

    audit = await call(ra, "rust_analyzer_unsafe_audit", {"workspace": str(root)})
    assert audit["clippy_ran"] is True, audit
    after_audit = fingerprints(root / "target")
    # clippy lints the member (units of its own); the dependency is not compiled again
    assert rewritten(helper, after_audit) == [], "the audit compiled the dependency again"
    assert not any(name.startswith("helper-") for name in recompiled(after_check, after_audit))
    for apart in ("rust-analyzer", "rust-mcp-audit"):
        assert not (root / "target" / apart / "debug").exists(), f"target/{apart} has a build of its own"


def held(lock: Path) -> bool:
    """Whether a cargo run holds the build directory's lock (cargo takes it with flock)."""
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


async def test_cargo_check_during_rust_analyzer_check_waits_and_completes(
    ra: Client, cargo: Client, scratch: Path
) -> None:
    root = copy_fixture("workspace", scratch / "shared_lock")
    # rust-analyzer's first cargo run on a cold target holds the directory while cargo_check asks
    analyzer = asyncio.ensure_future(checked_by_analyzer(ra, root, "geometry/src/lib.rs"))
    lock = root / "target" / "debug" / ".cargo-lock"
    for _ in range(1200):
        if held(lock) or analyzer.done():
            break
        await asyncio.sleep(0.05)
    assert held(lock), "rust-analyzer's cargo run was not seen holding the build directory"
    result = await cargo.call_tool("cargo_check", {"path": str(root), "workspace": True, "all_targets": True})
    text = text_of(result)
    assert not result.is_error and text.startswith("cargo check succeeded"), text
    await analyzer
    after = fingerprints(root / "target")
    assert any(name.startswith("app-") for name in after), sorted(after)
