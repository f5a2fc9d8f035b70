"""A program printing hundreds of MiB without a newline costs the server one pass over the bytes: the
run finishes, its answer is budgeted, and the server answers other calls meanwhile (before the
splitter, 200 MiB cost about 77 s of the server's CPU, re-searching the growing line per chunk)."""

from __future__ import annotations

import time
from pathlib import Path

import anyio
import pytest
from mcp import Client

from tests.support import structured, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]

MEBIBYTES = 200
ANSWER_SECONDS = 2.0


async def test_200_mib_without_a_newline_is_linear_and_blocks_no_other_call(
    cargo: Client, workspace_root: Path
) -> None:
    project = str(workspace_root / "noisy")
    built = await cargo.call_tool("cargo_build", {"path": project, "bin": "endless_line"})
    assert not built.is_error, text_of(built)
    done = anyio.Event()
    slowest = 0.0
    answered = 0

    async def other_calls() -> None:
        nonlocal slowest, answered
        for _ in range(2000):  # bounded: the run ends long before
            if done.is_set():
                return
            started = time.monotonic()
            with anyio.fail_after(ANSWER_SECONDS):  # a call that starts no process: the server's own work
                refused = await cargo.call_tool("cargo_check", {"path": "/etc"})
            assert refused.is_error and "outside the allowed roots" in text_of(refused)
            slowest = max(slowest, time.monotonic() - started)
            answered += 1
            await anyio.sleep(0.3)

    async with anyio.create_task_group() as group:
        group.start_soon(other_calls)
        result = await cargo.call_tool(
            "cargo_run",
            {"path": project, "bin": "endless_line", "args": [str(MEBIBYTES)], "timeout_secs": 600},
        )
        done.set()
    body = structured(result)
    assert body["ok"] and not body.get("timed_out"), text_of(result)
    assert body["output_truncated"] is True
    assert len(body["stdout"]) < 13_000
    assert body["stdout"].rstrip().endswith("endless_line: done")  # the line after the flood arrived
    assert answered > 0, "no other call was made while the flood ran"
    print(f"other calls answered: {answered}, slowest {slowest:.2f} s")
