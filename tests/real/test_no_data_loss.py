"""No data loss: a write that fails or is interrupted leaves every file either as it was or fully
updated, and Cargo.toml keeps its formatting and comments through cargo_add and cargo_remove."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from rust_mcp.dev.figures import record
from tests.real.test_ra_edits import tree_digest
from tests.real.test_ra_tools import call, ra_structured
from tests.support import (
    copy_fixture,
    pids_under,
    structured,
    text_of,
    wait_for_process,
    wait_until_gone,
)

pytestmark = [pytest.mark.anyio, pytest.mark.real]

COMMENTED_MANIFEST = """\
# The binary that greets; see README.
[package]
name = "with_path_dep"   # keep in step with the directory
version = "0.1.0"
edition    = "2021"

# Local crates only; keep sorted.
[dependencies]
# the greeting text
helper = { path = "helper" }   # lives beside us

# Only where there is a terminal.
[target.'cfg(unix)'.dependencies]
helper = { path = "helper" }

# Tuned for size.
[profile.release]
opt-level = "s"   # small
"""


def _record_files(checked: int, lost: int) -> None:
    record("files checked after failed or interrupted writes", checked, add=True)
    record("files lost or half-written", lost, add=True)


async def test_cargo_remove_keeps_every_comment_and_line(cargo: Client, scratch: Path) -> None:
    project = copy_fixture("with_path_dep", scratch / "keep-comments")
    manifest = project / "Cargo.toml"
    manifest.write_text(COMMENTED_MANIFEST)
    result = await cargo.call_tool("cargo_remove", {"path": str(project), "dependencies": ["helper"]})
    body = structured(result)
    assert not result.is_error, text_of(result)
    # only the dependency and the comments that are its own went; the table's comment stays
    expected = COMMENTED_MANIFEST.replace(
        '# the greeting text\nhelper = { path = "helper" }   # lives beside us\n', ""
    )
    assert manifest.read_text() == expected
    assert tomllib.loads(expected)["dependencies"] == {}
    assert any("[dependencies]" in hint and "put back" in hint for hint in body["hints"]), body["hints"]
    targeted = await cargo.call_tool(
        "cargo_remove",
        {"path": str(project), "dependencies": ["helper"], "target": "cfg(unix)"},
    )
    assert not targeted.is_error, text_of(targeted)
    expected = expected.replace('helper = { path = "helper" }\n', "")
    assert manifest.read_text() == expected
    assert tomllib.loads(expected)["target"] == {"cfg(unix)": {"dependencies": {}}}


async def test_cargo_add_keeps_formatting(cargo: Client, scratch: Path) -> None:
    project = copy_fixture("with_path_dep", scratch / "keep-format")
    manifest = project / "Cargo.toml"
    manifest.write_text(COMMENTED_MANIFEST)
    result = await cargo.call_tool("cargo_add", {"path": str(project), "dependencies": ["itoa@1"]})
    assert not result.is_error, text_of(result)
    after = manifest.read_text().splitlines()
    # every line of the original is still there, in order; the one new line is the dependency
    before = COMMENTED_MANIFEST.splitlines()
    added = [line for line in after if line not in before]
    assert [line for line in after if line in before] == before
    assert len(added) == 1 and added[0].startswith('itoa = "1')


async def test_interrupted_cargo_add_leaves_the_manifest_whole(cargo: Client, scratch: Path) -> None:
    """cargo_add (verified with a check) cancelled at growing delays: each time Cargo.toml and
    Cargo.lock are byte for byte as they were, or fully updated."""
    project = copy_fixture("hello_bin", scratch / "interrupted-add")
    files = [project / "Cargo.toml", project / "Cargo.lock"]
    original = {path: path.read_bytes() for path in files}
    outcomes = {"as it was": 0, "fully updated": 0}
    for delay in (0.05, 0.15, 0.3, 0.5, 0.8, 1.2, 2.0, 3.0):
        async with anyio.create_task_group() as group:
            group.start_soon(
                cargo.call_tool,
                "cargo_add",
                {"path": str(project), "dependencies": ["itoa@1"], "verify": "check"},
            )
            await anyio.sleep(delay)
            group.cancel_scope.cancel()
        assert await wait_until_gone(project) == []
        # the server puts the files back just after cargo has gone: give it a moment, no more
        state = await _settled(files, original)
        outcomes[state] += 1
        for path, data in original.items():
            path.write_bytes(data)
    _record_files(2 * sum(outcomes.values()), 0)
    print(outcomes)
    assert outcomes["as it was"] >= 1


async def _settled(files: list[Path], original: dict[Path, bytes]) -> str:
    """Whether the files are as they were or fully updated with itoa, waiting up to 5 s for one of
    the two; fails when they stay in between."""
    now: dict[Path, bytes] = {}
    for _ in range(50):
        now = {path: path.read_bytes() for path in files}
        if now == original:
            return "as it was"
        manifest, lock = now[files[0]].decode(), now[files[1]].decode()
        if "itoa" in tomllib.loads(manifest).get("dependencies", {}) and 'name = "itoa"' in lock:
            return "fully updated"
        await anyio.sleep(0.1)
    raise AssertionError(f"left half changed: {now}")


@contextmanager
def immutable(path: Path) -> Iterator[None]:
    """Make `path` immutable (chattr +i): even root cannot replace, rename or create in it."""
    if shutil.which("chattr") is None:
        pytest.fail("the failed-write tests need chattr (Debian package e2fsprogs)")
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        pytest.fail(f"chattr +i {path} failed (these tests need root on ext4): {made.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def _temporary_files(root: Path) -> list[Path]:
    return [path for path in root.rglob(".*.tmp")]


async def _rename(ra: Client, project: Path, new_name: str) -> Any:
    return await ra.call_tool(
        "rust_analyzer_rename",
        {"symbol": "Point::norm2", "workspace": str(project), "new_name": new_name, "apply": True},
    )


@pytest.mark.parametrize(
    ("blocked", "expected"),
    [
        ("app/src/main.rs", "could not change"),
        ("geometry/src/lib.rs", "could not change"),
        ("app/src", "no file was changed"),
    ],
)
async def test_a_rename_that_cannot_write_one_file_writes_none(
    ra: Client, scratch: Path, blocked: str, expected: str
) -> None:
    """The rename touches two files; one cannot be replaced (or its directory cannot take the
    temporary file): neither file changes, no temporary file is left, and the rename works once
    the obstacle is gone."""
    project = copy_fixture("workspace", scratch / f"all-or-nothing-{blocked.replace('/', '-')}")
    before = tree_digest(project)
    with immutable(project / blocked):
        result = await _rename(ra, project, "squared_norm")
        text = text_of(result)
        assert result.is_error and "the edit was not applied" in text and expected in text, text
        assert "Operation not permitted" in text
    after = tree_digest(project)
    leftovers = _temporary_files(project)
    _record_files(
        len(before), sum(after.get(name) != digest for name, digest in before.items()) + len(leftovers)
    )
    assert after == before and leftovers == []
    applied = await _rename(ra, project, "squared_norm")
    assert ra_structured("rust_analyzer_rename", applied)["applied"] is True, text_of(applied)
    assert "far.squared_norm()" in (project / "app/src/main.rs").read_text()
    references = await call(
        ra, "rust_analyzer_references", {"symbol": "Point::squared_norm", "workspace": str(project)}
    )
    assert references["total"] == 3


async def test_interrupted_clippy_fix_puts_the_sources_back(cargo: Client, scratch: Path) -> None:
    """clippy --fix has fixed geometry and is stuck compiling app (a slow derive) when the call is
    cancelled, and once more when cargo is killed: both times geometry's source is put back."""
    project = copy_fixture("workspace", scratch / "interrupted-fix")
    lib = project / "geometry/src/lib.rs"
    lib.write_text(lib.read_text() + "\npub fn needless(x: i32) -> i32 {\n    return x;\n}\n")
    original = tree_digest(project)
    marker = project / "macros" / "slow-expansion"
    arguments = {"path": str(project), "workspace": True, "allow_no_vcs": True}
    outcome: dict[str, Any] = {}
    try:
        for way in ("cancel", "kill"):
            marker.write_text("60000")
            async with anyio.create_task_group() as group:

                async def fix(way: str = way) -> None:
                    outcome[way] = await cargo.call_tool("cargo_clippy_fix", arguments)

                group.start_soon(fix)
                await wait_for_process(project, "--crate-name app")
                assert "return x;" not in lib.read_text(), "geometry was not fixed before app compiled"
                if way == "cancel":
                    group.cancel_scope.cancel()
                else:
                    for pid in pids_under(project, "cargo"):
                        # the first kill ends the sandbox, and with it clippy's inner cargo
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGKILL)
            assert await wait_until_gone(project) == []
            marker.unlink()
            # after a cancel the server restores just after cargo's group is gone: allow it a moment
            for _ in range(50):
                if tree_digest(project) == original:
                    break
                await anyio.sleep(0.1)
            assert tree_digest(project) == original, way
    finally:
        marker.unlink(missing_ok=True)
    killed = structured(outcome["kill"])
    assert any("put back as they were: geometry/src/lib.rs" in hint for hint in killed["hints"]), killed[
        "hints"
    ]
    _record_files(2 * len(original), 0)
    finished = await cargo.call_tool("cargo_clippy_fix", arguments)
    assert not finished.is_error, text_of(finished)
    assert "return x;" not in lib.read_text()
