"""A cargo run longer than the answer deadline: the call answers at the deadline that cargo still
runs (not an error), the run goes on in the background, the same call again gets its result, and a
repeat after that runs cargo again. Real cargo test on a crate whose test takes a few seconds."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server
from rust_mcp.core.roots import AllowedRoots
from tests.support import require_bubblewrap, structured

pytestmark = [pytest.mark.anyio, pytest.mark.real]
SLOW_TEST = """
#[test]
fn takes_a_while() {
    std::thread::sleep(std::time::Duration::from_secs(6));
}
"""


def _slow_crate(root: Path) -> Path:
    crate = root / "slow"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "slow"\nversion = "0.1.0"\nedition = "2021"\n')
    (crate / "src" / "lib.rs").write_text(SLOW_TEST)
    return crate


async def test_a_test_run_past_the_deadline_goes_on_and_the_same_call_gets_its_result(tmp_path: Path) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    crate = _slow_crate(root)
    settings = CargoSettings(AllowedRoots((root,)), log_dir=tmp_path / "logs", answer_deadline=2.0)
    call = {"path": str(crate)}
    async with Client(build_server(settings), mode="legacy") as client:
        first = await client.call_tool("cargo_test", call)
        body = structured(first)
        assert not first.is_error and body["running"] is True and body["exit_code"] is None
        assert body["summary"].startswith("cargo test still running after")
        assert "call cargo_test again with the same arguments" in body["hints"][0]
        calls = 1
        second = body
        while second.get("running") and calls < 20:  # each call joins the run, answering by the deadline
            second = structured(await client.call_tool("cargo_test", call))
            calls += 1
        assert calls > 1 and second["ok"] is True and not second.get("running"), second["summary"]
        assert second["tests"]["passed"] == 1
        assert any("left running at its answer deadline" in hint for hint in second["hints"]), second["hints"]
        third = structured(await client.call_tool("cargo_test", call))
        assert third["running"] is True  # a repeat runs cargo again (and takes as long)
        fourth = structured(await client.call_tool("cargo_test", {**call, "timeout_secs": 1}))
        assert not fourth.get("running") and fourth["timed_out"] is True  # under the deadline: waited for


async def test_a_zero_deadline_waits_for_every_run(tmp_path: Path) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    crate = _slow_crate(root)
    settings = CargoSettings(AllowedRoots((root,)), log_dir=tmp_path / "logs", answer_deadline=None)
    async with Client(build_server(settings), mode="legacy") as client:
        body = structured(await client.call_tool("cargo_test", {"path": str(crate)}))
    assert body["ok"] is True and body["tests"]["passed"] == 1
