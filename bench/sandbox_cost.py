"""What the sandbox costs, measured in one run on one machine:

1. A no-op `cargo check` on a warm fixture, started exactly as cargo-mcp starts it (toolchain
   resolved to the real cargo, scrubbed environment), once bare (--sandbox off) and once in the
   sandbox (bubblewrap), interleaved, median of N; the time includes preparing the command (cached
   toolchain, build directories and fetch stamps). Then the same through cargo-mcp end to end.
2. rust-analyzer's cold start on a real workspace (a fresh copy of the ripgrep corpus each run, no
   target/ yet): from asking for the workspace to quiescent, started as rust-analyzer-mcp starts it,
   without and with the sandbox (which includes the dependency-fetch step), interleaved (which goes
   first alternates), median of M.

Run: .venv/bin/python -m bench.sandbox_cost [--runs 30] [--cold-runs 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client

from bench.common import BIN, fixture_copy, median, ms, stdio
from cargo_mcp.run.cargo_service import CargoService
from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.table.rows import COMMANDS_BY_NAME
from ra_mcp.lsp.client import AnalyzerClient
from ra_mcp.lsp.discovery import find_analyzer
from ra_mcp.workspace.sandbox import AnalyzerSandbox
from rust_mcp.core.containment import Containment
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.core.sandbox import Sandbox, SandboxMode
from rust_mcp.core.sandbox_limits import LimitChoice
from rust_mcp.dev.corpus import RIPGREP, copy

MODES: tuple[SandboxMode, SandboxMode] = ("off", "bwrap")


def service(root: Path, mode: SandboxMode, guards: bool = True) -> CargoService:
    """cargo-mcp's service; without `guards`, its sandbox sets no limits and no unix-socket guard."""
    settings = CargoSettings(AllowedRoots((root,)), sandbox=mode)
    if guards:
        return CargoService(settings)
    bare = Containment(Sandbox(mode), settings.roots, limits=LimitChoice(0, 0, 0), guard_sockets=False)
    return CargoService(settings, bare)


async def _one_check(service: CargoService, project: Path) -> float:
    started = time.perf_counter()
    invocation = service.prepare(COMMANDS_BY_NAME["cargo_check"], {"path": str(project)}, None)
    launch = await service.launches.prepare(invocation, None)
    command = launch.command
    try:
        proc = await anyio.run_process(
            command.argv, cwd=command.cwd, env=command.env, pass_fds=command.pass_fds, check=False
        )
    finally:
        command.close()
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    return time.perf_counter() - started


async def check_cost(runs: int) -> dict[str, list[float]]:
    root = fixture_copy("hello_bin")
    services = {mode: CargoService(CargoSettings(AllowedRoots((root,)), sandbox=mode)) for mode in MODES}
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    for mode in MODES:  # warm: the build is done, the fetch stamps and caches filled
        await _one_check(services[mode], root / "hello_bin")
    for _ in range(runs):
        for mode in MODES:
            times[mode].append(await _one_check(services[mode], root / "hello_bin"))
    return times


async def served_cost(runs: int) -> dict[str, list[float]]:
    root = fixture_copy("hello_bin")
    project = str(root / "hello_bin")
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    off = stdio(str(BIN / "cargo-mcp"), "serve", "--root", str(root), "--sandbox", "off")
    on = stdio(str(BIN / "cargo-mcp"), "serve", "--root", str(root), "--sandbox", "bwrap")
    async with Client(off, mode="legacy") as bare, Client(on, mode="legacy") as sandboxed:
        clients = {"off": bare, "bwrap": sandboxed}
        for client in clients.values():
            await client.call_tool("cargo_check", {"path": project})
        for _ in range(runs):
            for mode, client in clients.items():
                started = time.perf_counter()
                result = await client.call_tool("cargo_check", {"path": project})
                times[mode].append(time.perf_counter() - started)
                assert not result.is_error
    return times


async def cold_start(mode: SandboxMode, guards: bool = True) -> tuple[float, float]:
    """(asking for the workspace to quiescent, of which preparing the command: fetch, layout);
    `guards` False: the sandbox without its limits and unix-socket filter (see guard_cost.py)."""
    with tempfile.TemporaryDirectory(prefix="rust-mcp-bench-") as scratch:
        root = copy(RIPGREP, Path(scratch))
        cargo = service(root, mode, guards)
        launcher = AnalyzerSandbox(cargo.launches.helpers, find_analyzer())
        started = time.perf_counter()
        command = await launcher.command(root)
        prepared = time.perf_counter() - started
        client = AnalyzerClient(root, launcher.analyzer, {}, command=command)
        await client.start()
        try:
            while not client.state.quiescent:
                client.state.changed.clear()
                with anyio.move_on_after(1):
                    await client.state.changed.wait()
            return time.perf_counter() - started, prepared
        finally:
            await client.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--cold-runs", type=int, default=3)
    args = parser.parse_args()

    times = anyio.run(check_cost, args.runs)
    added = median(times["bwrap"]) - median(times["off"])
    print(f"no-op `cargo check` (hello_bin, warm), median of {args.runs} (same run, interleaved)")
    print(f"  bare (real cargo, scrubbed environment)   {ms(times['off'])}")
    print(f"  in the sandbox (bubblewrap)               {ms(times['bwrap'])}")
    print(f"  added by the sandbox                      {added * 1000:8.1f} ms   (target < 25 ms)")
    served = anyio.run(served_cost, args.runs)
    added = median(served["bwrap"]) - median(served["off"])
    print(f"cargo_check via cargo-mcp, median of {args.runs} (same run, interleaved)")
    print(f"  --sandbox off                             {ms(served['off'])}")
    print(f"  --sandbox bwrap                           {ms(served['bwrap'])}")
    print(f"  added by the sandbox                      {added * 1000:8.1f} ms")

    cold: dict[str, list[float]] = {mode: [] for mode in MODES}
    prepared: dict[str, list[float]] = {mode: [] for mode in MODES}
    for run in range(args.cold_runs):
        for mode in MODES if run % 2 == 0 else MODES[::-1]:  # alternate which goes first
            total, preparing = anyio.run(cold_start, mode)
            cold[mode].append(total)
            prepared[mode].append(preparing)
    change = (median(cold["bwrap"]) / median(cold["off"]) - 1) * 100
    print(f"rust-analyzer cold start, ripgrep corpus (fresh copy), median of {args.cold_runs}, interleaved")
    print(f"  without the sandbox                       {ms(cold['off'])}")
    print(f"  in the sandbox                            {ms(cold['bwrap'])}")
    print(f"    of which the fetch step and layout      {ms(prepared['bwrap'])}")
    print(f"  difference                                {change:+8.1f} %    (target within 5 %)")


if __name__ == "__main__":
    main()
