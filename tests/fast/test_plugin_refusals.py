"""cargo_nextest's and cargo_insta's arguments refused before anything runs: bad partitions and
retries, names that are not a snapshot's. The plugins themselves run in tests/real/test_nextest.py
and tests/real/test_snapshots.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import copy_fixture, text_of
from tests.support.cargo_plugins import cargo_in_memory

pytestmark = pytest.mark.anyio


async def test_nextest_refusals(tmp_path: Path) -> None:
    crate = copy_fixture("tests_mixed", tmp_path)
    async with cargo_in_memory(tmp_path) as client:
        for arguments, reason in (
            ({"partition": "count:3/2"}, "partition 'count:3/2' is not valid"),
            ({"partition": "row:1/2"}, "is not valid"),
            ({"retries": 99}, "retries 99 is out of range"),
        ):
            refused = await client.call_tool("cargo_nextest", {"path": str(crate), **arguments})
            assert refused.is_error and reason in text_of(refused), text_of(refused)


async def test_snapshot_names_are_checked(tmp_path: Path) -> None:
    crate = copy_fixture("hello_bin", tmp_path)
    async with cargo_in_memory(tmp_path) as client:
        for name in ("../../etc/passwd.snap", "--all", "/etc/passwd", "a b.snap"):
            refused = await client.call_tool("cargo_insta_accept", {"path": str(crate), "snapshots": [name]})
            assert refused.is_error and "is not a snapshot name" in text_of(refused), text_of(refused)
