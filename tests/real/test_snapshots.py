"""Snapshot tests with insta and the real cargo-insta, on a crate built here: pending snapshots listed
with their diffs after a failing run, then accepted or rejected by name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client

from tests.support import copy_fixture, structured, text_of
from tests.support.cargo_plugins import cargo_with_plugins

pytestmark = pytest.mark.anyio
TESTS = """#[test]
fn greeting() {
    insta::assert_snapshot!("greeting", format!("hello {}", "world"));
}

#[test]
fn farewell() {
    insta::assert_snapshot!("farewell", "goodbye");
}

#[test]
fn answer() {
    insta::assert_snapshot!(6 * 7, @"41");
}
"""
ACCEPTED = "---\nsource: tests/api.rs\nexpression: {expression}\n---\n{body}\n"
INLINE_LINE = 13


def snapshot_crate(directory: Path) -> Path:
    """A crate with three insta snapshots: one stale file snapshot, one current, one stale inline."""
    crate = copy_fixture("hello_bin", directory)
    with (crate / "Cargo.toml").open("a") as manifest:
        manifest.write('\n[dev-dependencies]\ninsta = "1"\n')
    (crate / "tests").mkdir()
    (crate / "tests" / "api.rs").write_text(TESTS)
    stored = crate / "tests" / "snapshots"
    stored.mkdir()
    expression = '"format!(\\"hello {}\\", \\"world\\")"'
    (stored / "api__greeting.snap").write_text(ACCEPTED.format(expression=expression, body="hello there"))
    (stored / "api__farewell.snap").write_text(ACCEPTED.format(expression='"\\"goodbye\\""', body="goodbye"))
    return crate


@pytest.fixture
async def insta(tmp_path: Path) -> AsyncIterator[Client]:
    async with cargo_with_plugins(tmp_path, "cargo-insta") as client:
        yield client


@pytest.mark.real
async def test_pending_snapshots_are_listed_then_accepted_or_rejected_by_name(
    insta: Client, tmp_path: Path
) -> None:
    crate = snapshot_crate(tmp_path)
    path = str(crate)
    # insta writes pending snapshots when a snapshot test fails (INSTA_UPDATE=new also on CI)
    tested = await insta.call_tool(
        "cargo_test", {"path": path, "test_target": "api", "cargo_env": {"INSTA_UPDATE": "new"}}
    )
    assert structured(tested)["tests"]["failed"] == 2
    pending = structured(await insta.call_tool("cargo_insta_pending", {"path": path}))
    found = {snapshot["name"]: snapshot for snapshot in pending["snapshots"]}
    inline = f"tests/api.rs:{INLINE_LINE}"
    assert set(found) == {"tests/snapshots/api__greeting.snap", inline}
    greeting = found["tests/snapshots/api__greeting.snap"]
    assert greeting["kind"] == "file" and "-hello there\n+hello world" in greeting["diff"]
    assert found[inline]["kind"] == "inline" and "-41\n+42" in found[inline]["diff"]

    rejected = await insta.call_tool("cargo_insta_reject", {"path": path, "snapshots": [inline]})
    assert not rejected.is_error, text_of(rejected)
    assert '@"41"' in (crate / "tests" / "api.rs").read_text()
    accepted = await insta.call_tool(
        "cargo_insta_accept", {"path": path, "snapshots": ["tests/snapshots/api__greeting.snap"]}
    )
    assert not accepted.is_error, text_of(accepted)
    stored = crate / "tests" / "snapshots"
    assert (stored / "api__greeting.snap").read_text().endswith("hello world\n")
    assert not (stored / "api__greeting.snap.new").exists()
    left = structured(await insta.call_tool("cargo_insta_pending", {"path": path}))
    assert not left.get("snapshots") and left["ok"]
