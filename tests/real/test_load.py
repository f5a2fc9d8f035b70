"""Load: 16 concurrent clients over streamable HTTP make mixed read-only calls to both servers for a
while (RUST_MCP_LOAD_SECONDS, 10 s by default and 60 s under bench/reliability.py). No call may fail
or hang, memory stays bounded, and the latency of every tool is recorded."""

from __future__ import annotations

import contextlib
import os
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp_types import CallToolResult

from cargo_mcp.results.models import CargoResult
from cargo_mcp.table.rows import COMMANDS  # every row is a tool, plus set_working_directory
from rust_mcp.core.processes import processes_in_group, resident_mb
from rust_mcp.dev.figures import record
from tests.real.test_ra_tools import ra_structured
from tests.support import BIN, copy_fixture, pids_under, processes_under, require_rust_analyzer, text_of
from tests.support.http_support import http_client, http_server
from tests.support.mixed_calls import MixedCall, mixed_calls

pytestmark = [pytest.mark.anyio, pytest.mark.real]

CLIENTS = 16
SECONDS = float(os.environ.get("RUST_MCP_LOAD_SECONDS", "10"))
CALL_LIMIT_SECONDS = 120  # a call slower than this counts as hung
# bounds on resident memory over the run (MB): the Python servers, and rust-analyzer with its helpers
SERVER_RSS_BOUND = 400
ANALYZER_RSS_BOUND = 3000
SERVER_GROWTH_BOUND = 100


def cargo_calls(hello: Path, workspace: Path) -> list[MixedCall]:
    """Read-only cargo calls that succeed on the fixtures, each with what a correct answer holds."""
    return [
        MixedCall("cargo_metadata", {"path": str(workspace)}, lambda r: len(r["data"]["members"]) == 3),
        MixedCall(
            "cargo_tree",
            {"path": str(workspace), "package": "app"},
            lambda r: any("geometry" in line for line in r["data"]["lines"]),
        ),
        MixedCall("cargo_check", {"path": str(hello)}, lambda r: r["counts"]["total"] == 0),
        MixedCall("cargo_clippy", {"path": str(hello)}, lambda r: r["counts"]["errors"] == 0),
        MixedCall("cargo_fmt_check", {"path": str(hello)}, lambda r: r["format_issues"] == []),
    ]


def answer_of(planned: MixedCall, result: CallToolResult) -> dict[str, Any] | None:
    """The structured answer read through the tool's result model, or None when there is none."""
    if result.is_error or not isinstance(result.structured_content, dict):
        return None
    if planned.tool.startswith("cargo_"):
        return CargoResult.model_validate(result.structured_content).model_dump(mode="json")
    return ra_structured(planned.tool, result)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time these processes have used so far (from /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class ProcessWatch:
    """Peak resident memory of named process sets, sampled every quarter second in a thread, and the
    CPU time each used while watched."""

    sources: dict[str, Callable[[], list[int]]]
    peaks: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def rss(self) -> dict[str, float]:
        return {name: resident_mb(source()) for name, source in self.sources.items()}

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            for name, value in self.rss().items():
                self.peaks[name] = max(self.peaks.get(name, 0.0), value)

    @contextmanager
    def running(self) -> Iterator[ProcessWatch]:
        before = {name: cpu_seconds(source()) for name, source in self.sources.items()}
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()
            self.cpu = {name: cpu_seconds(source()) - before[name] for name, source in self.sources.items()}


async def test_sixteen_clients_over_http(workspace_root: Path, scratch: Path, tmp_path: Path) -> None:
    require_rust_analyzer()
    hello = copy_fixture("hello_bin", scratch / "load")
    workspace = copy_fixture("workspace", scratch / "load")
    cargo_mix = cargo_calls(hello, workspace)
    analyzer_mix = mixed_calls(workspace)
    cargo_argv = (str(BIN / "cargo-mcp"), "serve", "--root", str(workspace_root), "--log-dir", str(tmp_path))
    analyzer_argv = (str(BIN / "rust-analyzer-mcp"), "--root", str(workspace_root))
    latencies: dict[str, list[float]] = defaultdict(list)
    failures: list[str] = []
    with (
        http_server(*cargo_argv) as (cargo_port, cargo_server),
        http_server(*analyzer_argv) as (ra_port, ra_server),
    ):

        def analyzer_group() -> list[int]:
            """rust-analyzer's process group: its sandbox, with its proc-macro server and cargo."""
            groups = set()
            for pid in pids_under(workspace, "rust-analyzer"):
                with contextlib.suppress(ProcessLookupError):
                    groups.add(os.getpgid(pid))
            return [p for group in groups for p in processes_in_group(group)]

        watch = ProcessWatch(
            {
                "cargo-mcp": lambda: [cargo_server.pid],
                "rust-analyzer-mcp": lambda: [ra_server.pid],
                "rust-analyzer": analyzer_group,
                "the 16 clients": lambda: [os.getpid()],
            }
        )
        async with http_client(cargo_port) as warm_cargo, http_client(ra_port) as warm_ra:
            warm_ups: list[tuple[Client, MixedCall]] = [
                *((warm_cargo, c) for c in cargo_mix),
                *((warm_ra, c) for c in analyzer_mix),
            ]
            for client, planned in warm_ups:  # build once and let rust-analyzer index: the load is warm
                result = await client.call_tool(planned.tool, planned.arguments)
                answer = answer_of(planned, result)
                assert answer is not None and planned.correct(answer), text_of(result)
        rss_after_warm_up = watch.rss()

        async def one_client(number: int) -> None:
            rng = random.Random(number)
            mode = "legacy" if number % 2 == 0 else "auto"  # session-based and stateless connections
            async with AsyncExitStack() as stack:
                cargo = await stack.enter_async_context(http_client(cargo_port, mode=mode))
                analyzer = await stack.enter_async_context(http_client(ra_port, mode=mode))
                while time.monotonic() < stop_at:
                    on_cargo = rng.random() < 0.25
                    planned = rng.choice(cargo_mix if on_cargo else analyzer_mix)
                    client = cargo if on_cargo else analyzer
                    started = time.monotonic()
                    try:
                        with anyio.fail_after(CALL_LIMIT_SECONDS):
                            result = await client.call_tool(planned.tool, planned.arguments)
                    except TimeoutError:
                        failures.append(f"{planned.tool} hung for {CALL_LIMIT_SECONDS} s")
                        continue
                    latencies[planned.tool].append((time.monotonic() - started) * 1000)
                    answer = answer_of(planned, result)
                    if answer is None or not planned.correct(answer):
                        failures.append(f"{planned.tool} (client {number}): {text_of(result)[:300]}")

        with watch.running():
            stop_at = time.monotonic() + SECONDS
            async with anyio.create_task_group() as group:
                for number in range(CLIENTS):
                    group.start_soon(one_client, number)
        rss_at_end = watch.rss()
        async with http_client(cargo_port) as after_cargo, http_client(ra_port) as after_ra:
            assert len((await after_cargo.list_tools()).tools) == len(COMMANDS) + 1
            assert len((await after_ra.list_tools()).tools) == 22
        record(
            "server crashes", sum(server.poll() is not None for server in (cargo_server, ra_server)), add=True
        )
        assert cargo_server.poll() is None and ra_server.poll() is None
    calls = sum(len(v) for v in latencies.values())
    record("load: clients", CLIENTS)
    record("load: seconds", SECONDS)
    record("load: calls", calls)
    record("load: errors", len(failures))
    for tool in sorted(latencies):
        values = latencies[tool]
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        record(f"load latency {tool}", f"p50 {p50:.0f} ms, p99 {p99:.0f} ms ({len(values)} calls)")
    for name, peak in watch.peaks.items():
        record(f"peak RSS {name} (MB)", round(peak))
        record(f"RSS growth {name} after warm-up (MB)", round(rss_at_end[name] - rss_after_warm_up[name]))
        record(f"CPU {name} under load (s)", round(watch.cpu[name], 1))
    print(f"\n{calls} calls in {SECONDS:.0f} s by {CLIENTS} clients; peak RSS {watch.peaks}")
    assert failures == [], failures[:10]
    assert set(latencies) == {c.tool for c in cargo_mix + analyzer_mix}, "every tool of the mix was called"
    assert watch.peaks["cargo-mcp"] < SERVER_RSS_BOUND and watch.peaks["rust-analyzer-mcp"] < SERVER_RSS_BOUND
    assert watch.peaks["rust-analyzer"] < ANALYZER_RSS_BOUND, watch.peaks
    for server in ("cargo-mcp", "rust-analyzer-mcp"):  # no leak per call
        assert rss_at_end[server] - rss_after_warm_up[server] < SERVER_GROWTH_BOUND, (
            rss_after_warm_up,
            rss_at_end,
        )
    assert processes_under(hello) == []  # every cargo of the run has exited
