"""A helper module compiled into several test targets (`mod common;` in each tests/*.rs, as in
tokio-rs/tracing, where one `VisitingSubscriber` filled 9 of 55 workspace-symbol lines): rust-analyzer
lists its items once per target; answers list each place once and count it once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from mcp import Client

from tests.real.test_ra_tools import call

pytestmark = [pytest.mark.anyio, pytest.mark.real]


def places(answer: dict[str, object]) -> Counter[tuple[str, int, int]]:
    locations = answer["locations"]
    assert isinstance(locations, list)
    return Counter((loc["path"], loc["line"], loc["column"]) for loc in locations)


async def test_an_item_of_a_shared_test_module_is_found_once(ra: Client, workspace_root: Path) -> None:
    workspace = str(workspace_root / "shared_test_module")
    query = {"query": "SharedRecorder", "workspace": workspace}
    found = await call(ra, "rust_analyzer_workspace_symbol", query)
    assert places(found) == Counter({("tests/common/mod.rs", 2, 12): 1}), found
    assert found["total"] == 1, found


async def shared_recorder_references(ra: Client, workspace_root: Path) -> Counter[tuple[str, int, int]]:
    """Each place listed for the references to `SharedRecorder` (tests/common/mod.rs:2:12), counted."""
    workspace = workspace_root / "shared_test_module"
    common = str(workspace / "tests/common/mod.rs")
    at = {"file_path": common, "line": 2, "column": 12, "workspace": str(workspace)}
    found = await call(ra, "rust_analyzer_references", at)
    counted = Counter(
        (group["path"], loc["line"], loc["column"]) for group in found["groups"] for loc in group["locations"]
    )
    assert found["total"] == sum(counted.values()), found
    return counted


async def test_uses_of_a_shared_test_module_item_are_listed_once(ra: Client, workspace_root: Path) -> None:
    counted = await shared_recorder_references(ra, workspace_root)
    assert max(counted.values()) == 1, counted
    assert {"tests/common/mod.rs", "tests/first.rs"} <= {path for path, _, _ in counted}, counted


@pytest.mark.xfail(
    strict=True,
    reason="rust-analyzer resolves a file compiled into several crates in one of them (here tests/first.rs) "
    "and finds the references in that crate only; raw rust-analyzer answers the same",
)
async def test_uses_in_every_including_target_are_found(ra: Client, workspace_root: Path) -> None:
    counted = await shared_recorder_references(ra, workspace_root)
    assert "tests/second.rs" in {path for path, _, _ in counted}, counted
