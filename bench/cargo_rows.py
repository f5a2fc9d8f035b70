"""cargo and start-up rows: a no-op `cargo check` on the warm corpus (bare cargo; cargo started
exactly as ours starts it, without the server, with and without the sandbox; the anchor's
cargo_check; ours, and ours with --sandbox off), with and without an explicit toolchain; the
servers' memory over those calls;
start to `tools/list` for the SDK's one-tool floor, both anchors and both of ours; and the
characters of each server's `tools/list` and of a cargo_check with diagnostics."""

from __future__ import annotations

import asyncio
import os
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rust_mcp.core.sandbox import SandboxMode
from rust_mcp.dev import corpus

from .report import in_turn
from .servers import Launch, anchor_analyzer, anchor_cargo, one_tool_server, our_analyzer, our_cargo
from .sizes import INJECTED_ERROR, AnswerSize, answer_size, inject_problem, restore
from .wire import McpPeer, rss_kib

TOOLCHAIN = "stable"


@dataclass
class CargoFigures:
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    rss: dict[str, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    check_sizes: dict[str, AnswerSize] = field(default_factory=dict)


def run_bare(argv: list[str], env: Mapping[str, str]) -> tuple[float, int]:
    """Run a command with its output discarded: (seconds, exit code). Spawned with posix_spawn and
    waited for in place, blocking on purpose: nothing else runs meanwhile, and spawning through the
    event loop (pipes and a child-watcher thread per process) would add the bench's own costs to
    the floor. Descriptors marked inheritable are passed on."""
    started = time.perf_counter()
    discard = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_WRONLY, 0) for fd in (1, 2)]
    pid = os.posix_spawnp(argv[0], argv, dict(env), file_actions=discard)
    _, status = os.waitpid(pid, 0)
    return time.perf_counter() - started, os.waitstatus_to_exitcode(status)


class PreparedCargo:
    """cargo started exactly as our cargo-mcp starts it (the argv, toolchain, scrubbed environment
    and, with `sandbox`, the bubblewrap command and its mounts, all made by our own code for each
    run, outside the timed part), without the server: the floor our server's own cost is measured
    from, and with and without the sandbox, what the sandbox itself costs."""

    def __init__(self, root: Path, sandbox: SandboxMode) -> None:
        from cargo_mcp.run.cargo_service import CargoService
        from cargo_mcp.run.settings import CargoSettings
        from rust_mcp.core.roots import AllowedRoots

        self.service = CargoService(CargoSettings(AllowedRoots((root,)), sandbox=sandbox))

    async def run(self, arguments: Mapping[str, Any]) -> tuple[float, int]:
        from cargo_mcp.table.rows import COMMANDS_BY_NAME

        invocation = self.service.prepare(COMMANDS_BY_NAME["cargo_check"], arguments, None)
        command = (await self.service.launches.prepare(invocation, None)).command
        try:
            for fd in command.pass_fds:
                os.set_inheritable(fd, True)
            return run_bare(command.argv, command.env)
        finally:
            command.close()


async def cargo_rows(scratch: Path, env: Mapping[str, str], logs: Path, runs: int) -> CargoFigures:
    figures = CargoFigures()
    # Two copies of the corpus: cargo keeps what it learnt of rustc (target/.rustc_info.json) for one
    # rustc path only, and bare cargo and the anchor reach rustc through rustup's proxy while ours
    # runs the toolchain's own: sharing one target directory, each side that follows the other
    # would pay cargo's rustc queries again (about 50 ms), which no side pays when it runs alone.
    root = corpus.copy(corpus.RIPGREP, scratch / "cargo" / "proxy")  # bare cargo and the anchor
    our_root = corpus.copy(corpus.RIPGREP, scratch / "cargo" / "ours")  # ours, both ways
    manifest = str(root / "Cargo.toml")
    for copy in (root, our_root):
        _, code = run_bare(["cargo", "check", "--manifest-path", str(copy / "Cargo.toml")], env)
        if code != 0:  # warm: then every check is a no-op
            raise RuntimeError(f"cargo check failed on the corpus copy {copy}")
    anchor = await anchor_cargo(scratch, env).start(logs)
    ours = await our_cargo(scratch / "cargo", scratch, env).start(logs)
    unsandboxed = await our_cargo(scratch / "cargo", scratch, env, "off").start(logs)
    prepared = {mode: PreparedCargo(our_root, mode) for mode in ("off", "bwrap")}
    try:
        await anchor.initialize()
        await ours.initialize()
        await unsandboxed.initialize()
        await anchor.call("set_working_directory", {"path": str(root)})
        variants: list[tuple[str, list[str], dict[str, Any], dict[str, Any]]] = [
            ("", ["cargo", "check", "--manifest-path", manifest], {}, {"path": str(our_root)}),
            (
                f" +{TOOLCHAIN}",
                ["cargo", f"+{TOOLCHAIN}", "check", "--manifest-path", manifest],
                {"toolchain": TOOLCHAIN},
                {"path": str(our_root), "toolchain": TOOLCHAIN},
            ),
        ]
        for suffix, bare_argv, anchor_args, our_args in variants:
            run_bare(bare_argv, env)
            for floor in prepared.values():
                await floor.run(our_args)
            for server, warm_up in ((anchor, anchor_args), (ours, our_args), (unsandboxed, our_args)):
                await server.call("cargo_check", warm_up)
            sample_rss(figures, anchor, ours)
            sides: list[tuple[str, McpPeer | PreparedCargo | None, dict[str, Any]]] = [
                ("bare", None, {}),
                ("prepared", prepared["off"], our_args),
                ("prepared sandboxed", prepared["bwrap"], our_args),
                ("anchor", anchor, anchor_args),
                ("ours", ours, our_args),
                ("ours unsandboxed", unsandboxed, our_args),
            ]
            for run in range(runs):
                for label, peer, arguments in in_turn(sides, run):
                    started = time.perf_counter()
                    if peer is None:
                        elapsed, code = run_bare(bare_argv, env)
                        failed = code != 0
                    elif isinstance(peer, PreparedCargo):
                        elapsed, code = await peer.run(arguments)
                        failed = code != 0
                    else:
                        failed = bool((await peer.call("cargo_check", fresh(arguments, run))).get("isError"))
                        elapsed = time.perf_counter() - started
                    figures.seconds[f"{label}{suffix}"].append(elapsed)
                    figures.failures[f"{label}{suffix}"] += failed
            sample_rss(figures, anchor, ours)
        original = inject_problem(root)
        try:
            answer = await anchor.call("cargo_check", {}, timeout=600)
            figures.check_sizes["anchor"] = answer_size(answer, INJECTED_ERROR)
            answer = await ours.call("cargo_check", {"path": str(root)}, timeout=600)
            figures.check_sizes["ours"] = answer_size(answer, INJECTED_ERROR)
        finally:
            restore(root, original)
    finally:
        await asyncio.gather(anchor.close(), ours.close(), unsandboxed.close())
    return figures


def fresh(arguments: dict[str, Any], run: int) -> dict[str, Any]:
    """Ours answers a check asked again on an unchanged tree from the last identical run instead of
    running cargo (shared checks): each timed call gets a timeout of its own, which makes it another
    run, so the row times a real no-op `cargo check` as the anchor's is. (The anchor takes no
    `timeout_secs`.)"""
    if "path" not in arguments:
        return arguments
    return {**arguments, "timeout_secs": 600 + run}


def sample_rss(figures: CargoFigures, anchor: McpPeer, ours: McpPeer) -> None:
    for label, peer in (("anchor", anchor), ("ours", ours)):
        value = rss_kib(peer.pid)
        calls = len(figures.seconds[label]) + len(figures.seconds[f"{label} +{TOOLCHAIN}"])
        samples = figures.rss[label]
        if value is not None and not (samples and samples[-1][0] == calls):
            samples.append((calls, value))


# -- start to tools/list ----------------------------------------------------------------------------


async def time_to_tools_list(launch: Launch, logs: Path) -> tuple[float, dict[str, Any]]:
    peer = await launch.start(logs)
    try:
        await peer.initialize()
        tools: dict[str, Any] = await peer.request("tools/list", {})
        return time.perf_counter() - peer.started, tools
    finally:
        await peer.close()


@dataclass
class StartFigures:
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    tools_lists: dict[str, dict[str, Any]] = field(default_factory=dict)


async def start_rows(scratch: Path, env: Mapping[str, str], logs: Path, runs: int) -> StartFigures:
    figures = StartFigures()
    root = scratch / "start"
    root.mkdir(parents=True, exist_ok=True)
    (root / "Cargo.toml").write_text('[package]\nname = "start"\nversion = "0.1.0"\nedition = "2021"\n')
    (root / "src").mkdir(exist_ok=True)
    (root / "src" / "lib.rs").write_text("")
    launches = {
        "floor": one_tool_server(scratch, env),
        "anchor cargo-mcp": anchor_cargo(scratch, env),
        "anchor rust-analyzer-mcp": anchor_analyzer(root, env),
        "our cargo-mcp": our_cargo(root, scratch, env),
        "our rust-analyzer-mcp": our_analyzer(root, env),
    }
    for run in range(runs):  # interleaved, so machine noise hits every server alike
        for label, launch in in_turn(list(launches.items()), run):
            elapsed, tools = await time_to_tools_list(launch, logs)
            figures.seconds[label].append(elapsed)
            figures.tools_lists.setdefault(label, tools)
    return figures
