"""cargo_nextest with the real cargo-nextest on a crate built here: the same structured results as
cargo_test (counts, each failure's name and output), retries that name the flaky test, and
partitions that split the suite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client

from tests.support import copy_fixture, structured, text_of
from tests.support.cargo_plugins import cargo_with_plugins

pytestmark = pytest.mark.anyio
SUITE = """
pub fn double(x: i32) -> i32 {
    x * 2
}

#[cfg(test)]
mod tests {
    use super::double;

    #[test]
    fn adds() {
        assert_eq!(1 + 1, 2);
    }

    #[test]
    fn doubles() {
        assert_eq!(double(2), 4);
    }

    #[test]
    fn fails_always() {
        assert_eq!(double(3), 7, "three doubled");
    }

    #[test]
    fn flaky_once() {
        // fails the first time it ever runs, passes afterwards
        let marker = concat!(env!("CARGO_MANIFEST_DIR"), "/flaky-ran");
        if std::fs::metadata(marker).is_err() {
            std::fs::write(marker, "").unwrap();
            panic!("first attempt fails");
        }
    }

    #[test]
    #[ignore = "slow"]
    fn slow_ignored() {}
}
"""


@pytest.fixture
async def nextest(tmp_path: Path) -> AsyncIterator[Client]:
    async with cargo_with_plugins(tmp_path, "cargo-nextest") as client:
        yield client


def suite(tmp_path: Path) -> Path:
    crate = copy_fixture("tests_mixed", tmp_path)
    (crate / "src" / "lib.rs").write_text(SUITE)
    return crate


@pytest.mark.real
async def test_nextest_reports_failures_and_names_the_flaky_test(nextest: Client, tmp_path: Path) -> None:
    crate = suite(tmp_path)
    result = await nextest.call_tool(
        "cargo_nextest", {"path": str(crate), "retries": 1, "no_fail_fast": True}
    )
    assert result.is_error
    body = structured(result)
    tests = body["tests"]
    assert (tests["passed"], tests["failed"], tests["ignored"]) == (4, 1, 1)  # + integration_passes
    (failure,) = tests["failures"]
    assert failure["name"] == "tests::fails_always" and "three doubled" in failure["output"]
    assert tests["flaky"] == ["tests::flaky_once (passed on attempt 2)"]
    assert body["argv"][1:3] == ["nextest", "run"] and "--retries" in body["argv"]
    text = text_of(result)
    assert "FAILED tests::fails_always" in text and "flaky (failed, then passed on a retry)" in text
    assert 'Rerun one failing test with test_name="tests::fails_always".' in body["hints"]


@pytest.mark.real
async def test_nextest_partitions_split_the_suite(nextest: Client, tmp_path: Path) -> None:
    crate = suite(tmp_path)
    (crate / "flaky-ran").write_text("")  # the flaky test passes from now on
    runs = [
        structured(
            await nextest.call_tool(
                "cargo_nextest",
                {"path": str(crate), "partition": f"count:{shard}/2", "no_fail_fast": True},
            )
        )["tests"]
        for shard in (1, 2)
    ]
    ran = [run["passed"] + run["failed"] for run in runs]
    assert sum(ran) == 5 and all(count >= 2 for count in ran)  # every test in exactly one shard
    assert sum(run["failed"] for run in runs) == 1
    only = structured(await nextest.call_tool("cargo_nextest", {"path": str(crate), "test_name": "doubles"}))
    assert only["ok"] and only["tests"]["passed"] == 1
