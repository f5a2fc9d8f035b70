"""A check that rust-analyzer restarts, whose restart begins late (a loaded machine: its flycheck
thread gets no CPU for a while), is still waited for: the diagnostics call never answers "clean"
from the cancelled check's quiet. The load is real and aimed: rust-analyzer's own flycheck thread
(`Flycheck0`) is put at SCHED_IDLE on one core while a busy loop (bounded) runs on that core, so the
restart's begin comes seconds after the cancel's end, while rust-analyzer's main loop answers at
once (a secret_masking run under CI load answered clean so)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from mcp import Client
from mcp.types import CallToolResult

from tests.real.test_ra_check_failures import BORROW_ERROR, _slow_to_check
from tests.real.test_ra_tools import ra_structured
from tests.support import require_bubblewrap, require_rust_analyzer, server_params, text_of
from tests.support.process_leaks import descendants

pytestmark = [pytest.mark.anyio, pytest.mark.real]
BURN_SECONDS = 4.0
BUSY = "import sys, time\nend = time.monotonic() + float(sys.argv[1])\nwhile time.monotonic() < end: pass\n"


def _flycheck_threads() -> list[int]:
    """The thread ids of every rust-analyzer below this process named Flycheck<n>."""
    found = []
    for pid in descendants():
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                name = Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
            except OSError:
                continue
            if name.startswith("Flycheck"):
                found.append(int(tid))
    return found


def _starve(core: int) -> subprocess.Popen[bytes]:
    """rust-analyzer's flycheck threads at SCHED_IDLE on `core`, and a busy loop there (bounded)."""
    for tid in _flycheck_threads():
        os.sched_setaffinity(tid, {core})
        os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
    busy = subprocess.Popen([sys.executable, "-c", BUSY, str(BURN_SECONDS)])
    os.sched_setaffinity(busy.pid, {core})
    return busy


async def test_a_restart_that_begins_late_is_waited_for(scratch: Path) -> None:
    require_bubblewrap()
    require_rust_analyzer()
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs two cores: one starved, one for the rest")
    core = max(os.sched_getaffinity(0))
    project = _slow_to_check(scratch / "late_restart", items=400)
    params = server_params("rust-analyzer-mcp", "--root", str(scratch))
    async with Client(params, mode="legacy", read_timeout_seconds=600) as ra:
        clean = await ra.call_tool("rust_analyzer_workspace_diagnostics", {"workspace": str(project)})
        report = ra_structured("rust_analyzer_workspace_diagnostics", clean)
        assert report["check_ran"] is True and report["counts"]["errors"] == 0, text_of(clean)
        broken = project / "src" / "broken.rs"
        broken.write_text(BORROW_ERROR)
        checking = anyio.Event()

        async def progress(progress: float, total: float | None, message: str | None) -> None:
            if message and message.startswith("cargo check"):
                checking.set()  # our check has begun

        results: dict[str, CallToolResult] = {}

        async def first() -> None:
            results["file"] = await ra.call_tool(
                "rust_analyzer_diagnostics", {"file_path": str(broken)}, progress_callback=progress
            )

        async def restart() -> None:  # another call's check restarts the one the first waits for
            with anyio.fail_after(300):
                await checking.wait()
            busy = _starve(core)
            try:
                results["workspace"] = await ra.call_tool(
                    "rust_analyzer_workspace_diagnostics", {"workspace": str(project)}
                )
            finally:
                busy.kill()
                busy.wait()

        async with anyio.create_task_group() as group:
            group.start_soon(first)
            group.start_soon(restart)
    for tool, result in (("rust_analyzer_diagnostics", results["file"]),):
        body = ra_structured(tool, result)
        errors = [d["code"] for d in body["diagnostics"] if d["severity"] == "error"]
        assert body["check_ran"] is True and errors == ["E0505"], f"{tool}: {text_of(result)}"
