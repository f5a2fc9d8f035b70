"""Where a warm call to one of our servers spends its time: the real server (started through
bench.profiled) on a copy of the corpus, warm and idle, asked the same call N times unprofiled and
N times under cProfile (the server's event-loop thread), one batch per kind of call.

Prints, per batch: the client's wall time (median, unprofiled and profiled), the server thread's
time per call, the named stages (see STAGES) and the top functions by cumulative time.

    .venv/bin/python -m bench.profile_calls analyzer [--runs 200] [--top 25]
    .venv/bin/python -m bench.profile_calls cargo [--runs 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pstats
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from rust_mcp.dev import corpus

from . import truth as t
from .cargo_rows import run_bare
from .cold import Cold, poll_until_right
from .servers import Launch, base_env
from .sides import KINDS, OurSide
from .warm import wait_quiet
from .wire import McpPeer

# (stage, how, function name, file name fragment), per call. "cum": the cumulative time of the
# functions of that name (stages nest: read the indentation as a tree); "self": the time spent in
# the code of the files matching the fragment, without what they call. Matched by function name,
# so the table survives modules moving.
COMMON = (
    ("stdio: our check of each incoming line (pydantic)", "cum", "rejection", "stdio"),
    ("stdio: thread hops for each read and write", "cum", "run_sync", "to_thread"),
    ("SDK: dispatch one request (all that follows)", "cum", "_handle_request", "jsonrpc_dispatcher"),
    ("  OpenTelemetry middleware (its own code)", "self", "", "opentelemetry"),
    ("  argument validation (strict model)", "cum", "validate_arguments", "func_metadata"),
    ("  our tool function (all that follows)", "cum", "call_fn", "func_metadata"),
)
STAGES = {
    "analyzer": (
        *COMMON,
        ("    re-sync the workspace from disk", "cum", "sync_from_disk", "ra_mcp"),
        ("    wait until ready", "cum", "wait_ready", "ra_mcp"),
        ("    LSP request (pygls: send, await)", "cum", "request", "ra_mcp/lsp"),
        ("    build locations (paths, source lines)", "cum", "location", "ra_mcp"),
        ("    render the text (its own code)", "self", "", "ra_mcp/tools/render"),
        ("    dump the result model", "cum", "model_result", "rust_mcp"),
        ("  SDK: serialise the response", "cum", "model_dump_json", "pydantic"),
        ("pygls: read and parse rust-analyzer's messages", "cum", "run_async", "pygls"),
    ),
    "cargo": (
        *COMMON,
        ("    validate and build argv (prepare)", "cum", "prepare", "cargo_mcp"),
        ("      toolchain: rustup toolchain list", "cum", "installed", "toolchains"),
        ("      find the manifest and workspace root", "cum", "find_manifest", "roots"),
        ("      cargo_env policy", "cum", "check", "validate"),
        ("    run cargo (spawn, pump pipes, wait)", "cum", "run_process", "cargo_mcp"),
        ("      spawn cargo", "cum", "open_process", "_core/_subprocesses"),
        ("      write the log file", "cum", "write", "cargo_mcp/runner"),
        ("      parse cargo's output lines", "cum", "_deliver", "cargo_mcp"),
        ("    build, shape and render the result", "cum", "_result", "cargo_mcp"),
        ("    dump the result model", "cum", "model_result", "rust_mcp"),
        ("  SDK: serialise the response", "cum", "model_dump_json", "pydantic"),
    ),
}
Call = Callable[[], Awaitable[float]]  # one call; returns its wall time


def stage_seconds(stats: pstats.Stats, how: str, function: str, fragment: str) -> float:
    total = 0.0
    for (filename, _, name), (_, _, tottime, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        if fragment in filename and (not function or name == function):
            total += cumulative if how == "cum" else tottime
    return total


async def profiled_batches(
    peer: McpPeer, out: Path, batches: dict[str, Call], runs: int, top: int, server: str
) -> None:
    for number, (label, call) in enumerate(batches.items(), start=1):
        plain = [await call() for _ in range(runs)]
        os.kill(peer.pid, signal.SIGUSR1)
        await asyncio.sleep(0.2)
        profiled = [await call() for _ in range(runs)]
        os.kill(peer.pid, signal.SIGUSR2)
        path = Path(f"{out}.{number}")
        while not path.exists():
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        show(label, pstats.Stats(str(path)), runs, plain, profiled, top, server)


def show(
    label: str,
    stats: pstats.Stats,
    runs: int,
    plain: list[float],
    profiled: list[float],
    top: int,
    server: str,
) -> None:
    total = sum(tottime for _, _, tottime, _, _ in stats.stats.values()) / runs  # type: ignore[attr-defined]
    print(f"\n== {label}: {runs} calls")
    print(
        f"   client wall time, median: {statistics.median(plain) * 1000:.2f} ms unprofiled, "
        f"{statistics.median(profiled) * 1000:.2f} ms profiled"
    )
    print(f"   server event-loop thread, profiled, per call: {total * 1000:.2f} ms")
    for stage, how, function, fragment in STAGES[server]:
        print(f"   {stage:<52} {stage_seconds(stats, how, function, fragment) / runs * 1000:7.3f} ms")
    print(f"   top {top} functions by cumulative time per call:")
    rows = sorted(stats.stats.items(), key=lambda item: item[1][3], reverse=True)  # type: ignore[attr-defined]
    for (filename, line, name), (_, calls, _, cumulative, _) in rows[:top]:
        where = "/".join(Path(filename).parts[-2:])
        print(f"   {cumulative / runs * 1000:8.3f} ms  {calls / runs:6.1f}×  {name}  ({where}:{line})")


async def profile(server: str, runs: int, top: int) -> None:
    env = base_env()
    with tempfile.TemporaryDirectory(prefix="rust-mcp-profile-", ignore_cleanup_errors=True) as raw_scratch:
        scratch = Path(raw_scratch)
        root = corpus.copy(corpus.RIPGREP, scratch)
        out = scratch / "profile"
        script = "rust-analyzer-mcp" if server == "analyzer" else "cargo-mcp"
        arguments = (
            ("serve", "--root", str(root), "--engine", "off", "--log-dir", str(scratch / "logs"))
            if server == "cargo"
            else ("--root", str(root), "--engine", "off")
        )
        argv = (sys.executable, "-m", "bench.profiled", script, *arguments)
        repo = str(Path(__file__).resolve().parent.parent)  # `-m bench.profiled` runs in the corpus copy
        launch = Launch(
            f"profiled {script}", argv, {**env, "BENCH_PROFILE_OUT": str(out), "PYTHONPATH": repo}, root
        )
        if server == "cargo":
            run_bare(["cargo", "check", "-q", "--manifest-path", str(root / "Cargo.toml")], env)  # warm
        peer = await launch.start(scratch / "logs")
        try:
            await peer.initialize()
            batches = await (
                analyzer_batches(peer, root) if server == "analyzer" else cargo_batches(peer, root)
            )
            await profiled_batches(peer, out, batches, runs, top, server)
        finally:
            await peer.close()


async def analyzer_batches(peer: McpPeer, root: Path) -> dict[str, Call]:
    side = OurSide(peer, t.compute(root), "ours")
    await poll_until_right(side, "hover", time.perf_counter(), Cold())
    await wait_quiet({peer.pid})
    for _ in range(5):
        for kind in KINDS:
            await side.ask(kind)
    await wait_quiet({peer.pid})

    def timed(kind: str) -> Call:
        async def call() -> float:
            return (await side.ask(kind))[0]  # type: ignore[arg-type]

        return call

    return {kind: timed(kind) for kind in KINDS}


async def cargo_batches(peer: McpPeer, root: Path) -> dict[str, Call]:
    def timed(arguments: dict[str, str]) -> Call:
        async def call() -> float:
            started = time.perf_counter()
            result = await peer.call("cargo_check", arguments)
            assert not result.get("isError"), result
            return time.perf_counter() - started

        return call

    batches = {
        "cargo_check": timed({"path": str(root)}),
        "cargo_check toolchain=stable": timed({"path": str(root), "toolchain": "stable"}),
    }
    for call in batches.values():
        await call()
    return batches


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_calls")
    parser.add_argument("server", choices=sorted(STAGES))
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    asyncio.run(profile(args.server, args.runs, args.top))


if __name__ == "__main__":
    main()
