"""Identical cargo checks from two cargo-mcp servers in one process (as the engine hosts sessions)
run cargo once; asked again on the same files the finished check answers, saying so; an edit makes
the next check run again and show the new error. Real cargo on a copy of the lib_errors fixture."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from cargo_mcp.run import shared_checks
from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.server import build_server
from rust_mcp.core.roots import AllowedRoots
from tests.support import FIXTURES, require_bubblewrap, structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]


def logs(*directories: Path) -> list[Path]:
    """The run logs the servers wrote: one per cargo run."""
    return [log for directory in directories if directory.exists() for log in directory.glob("*.log")]


async def test_identical_checks_share_one_cargo_run_until_a_file_changes(tmp_path: Path) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    crate = root / "lib_errors"
    shutil.copytree(FIXTURES / "lib_errors", crate, ignore=shutil.ignore_patterns("target"))
    log_a, log_b = tmp_path / "logs-a", tmp_path / "logs-b"
    call = {"path": str(crate)}
    started = shared_checks.RUNS.started

    async with (
        Client(build_server(CargoSettings(AllowedRoots((root,)), log_dir=log_a)), mode="legacy") as one,
        Client(build_server(CargoSettings(AllowedRoots((root,)), log_dir=log_b)), mode="legacy") as two,
    ):
        answers: list[dict[str, Any]] = []

        async def check(client: Client) -> None:
            answers.append(structured(await client.call_tool("cargo_check", call)))

        async with anyio.create_task_group() as group:
            group.start_soon(check, one)
            group.start_soon(check, two)
        assert shared_checks.RUNS.started - started == 1  # one cargo run served both sessions
        assert len(logs(log_a, log_b)) == 1
        for body in answers:
            assert body["exit_code"] == 101 and [d["code"] for d in body["diagnostics"]] == [
                "E0308",
                "unused_variables",
            ]
        assert sum("shared an identical cargo check" in h for b in answers for h in b["hints"]) == 1

        again = await two.call_tool("cargo_check", call)
        body = structured(again)
        assert shared_checks.RUNS.started - started == 1 and len(logs(log_a, log_b)) == 1  # cargo not run
        assert body["hints"][0].startswith("reused the cargo check finished"), body["hints"]
        assert "reused the cargo check finished" in text_of(again)
        assert [d["code"] for d in body["diagnostics"]] == ["E0308", "unused_variables"]

        source = crate / "src" / "lib.rs"
        source.write_text(source.read_text() + '\npub fn added() -> u8 { "also not a number" }\n')
        edited = structured(await one.call_tool("cargo_check", call))
        assert shared_checks.RUNS.started - started == 2 and len(logs(log_a, log_b)) == 2  # ran again
        assert edited["counts"]["errors"] == 2, edited
        assert not any("reused" in hint for hint in edited["hints"])
        assert any(d["line"] == 14 and d["code"] == "E0308" for d in edited["diagnostics"]), edited[
            "diagnostics"
        ]
