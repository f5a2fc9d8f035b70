"""Helpers shared by the tests: where things are, copying fixtures, finding leftover processes."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import anyio
from mcp.client.stdio import StdioServerParameters
from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel

from rust_mcp.core.sandbox import Confinement, SandboxState, sandboxed
from rust_mcp.dev.figures import record

R = TypeVar("R")

# The environment the suite's servers run in (tests/conftest.py sets it for the whole run): served
# in-process (each server a process of its own; the engine's tests turn the engine on explicitly,
# each with a private runtime directory); servers started from the command line wait for every
# cargo run, and rust-analyzer's diagnostics wait as long as in-process servers do (the tests'
# clients' timeouts are long; tests/real/test_answer_deadline.py and the Codex tests set a deadline
# themselves).
SUITE_ENV = {
    "RUST_MCP_ENGINE": "off",
    "CARGO_MCP_ANSWER_DEADLINE": "0",
    "RUST_ANALYZER_MCP_ANSWER_DEADLINE": "240",
}
REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"
BIN = Path(sys.executable).parent


def in_fresh_thread(function: Callable[..., R], *args: Any) -> R:
    """`function(*args)` in a thread of its own: code that runs its own event loop (anyio.run)
    must not see the session-wide test runner's loop (or sniffio's "asyncio is running" marker)."""
    with ThreadPoolExecutor(1) as fresh:
        return fresh.submit(function, *args).result()


def copy_fixture(name: str, destination: Path) -> Path:
    """A private copy of one fixture crate (without build output) that a test may modify."""
    target = destination / name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(FIXTURES / name, target, ignore=shutil.ignore_patterns("target"))
    return target


def server_params(command: str, *args: str, env: Mapping[str, str] | None = None) -> StdioServerParameters:
    merged = {**os.environ, **(env or {})}
    return StdioServerParameters(command=str(BIN / command), args=list(args), env=merged)


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def structured(result: CallToolResult, model: type[BaseModel] | None = None) -> dict[str, Any]:
    """The structured content, read through the tool's result model as a typed client would (the
    servers leave out fields that hold their defaults). Cargo results by default."""
    from cargo_mcp.results.models import CargoResult

    content = result.structured_content
    assert isinstance(content, dict), text_of(result)
    return (model or CargoResult).model_validate(content).model_dump(mode="json")


def live_processes(directory: Path) -> list[tuple[int, str, str]]:
    """(pid, cwd, command line) of live processes whose working directory or command line is under
    `directory` (the fixture copies are unique per test session, so these are ours)."""
    found = []
    prefix = str(directory)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            if state == "Z":
                continue
            cwd = os.readlink(entry / "cwd")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):
            continue
        if cwd.startswith(prefix) or prefix in cmdline:
            found.append((int(entry.name), cwd, cmdline))
    return found


def processes_under(directory: Path) -> list[str]:
    """Live processes working in or naming `directory`, one readable line each."""
    return [f"{pid} cwd={cwd} cmd={cmdline[:160]}" for pid, cwd, cmdline in live_processes(directory)]


def pids_under(directory: Path, program: str) -> list[int]:
    """Live processes working in or naming `directory` whose program (argv[0]'s file name) is `program`."""
    return [
        pid for pid, _, cmdline in live_processes(directory) if Path(cmdline.split(" ", 1)[0]).name == program
    ]


async def wait_until_gone(directory: Path, seconds: float = 10.0) -> list[str]:
    """The processes still running under `directory` after up to `seconds`: the orphans (counted in
    the reliability figures)."""
    deadline = time.monotonic() + seconds
    while (left := processes_under(directory)) and time.monotonic() < deadline:
        await anyio.sleep(0.1)
    record("orphan processes", len(left), add=True)
    record("process-tree cleanups checked", 1, add=True)
    return left


async def wait_for_process(directory: Path, needle: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not any(needle in p for p in processes_under(directory)):
        assert time.monotonic() < deadline, f"no process matching {needle!r} started under {directory}"
        await anyio.sleep(0.1)


def installed_toolchains() -> list[str]:
    from rust_mcp.core.toolchains import installed_toolchains as listed

    return list(listed())


def require_bubblewrap() -> str:
    """The bubblewrap the servers will sandbox with, or a failure that says how to install it."""
    from rust_mcp.core.sandbox import INSTALL_COMMAND, probe_sandbox

    state = probe_sandbox("bwrap")
    if state.bwrap is None:
        raise AssertionError(
            f"the containment tests need bubblewrap: {state.problem}. Install it with `{INSTALL_COMMAND}` "
            "(scripts/setup does)."
        )
    return state.bwrap


def require_second_toolchain() -> str:
    """A real installed toolchain other than the default, or a failure that says how to make one."""
    names = installed_toolchains()
    if "debian-web" in names:
        return "debian-web"
    raise AssertionError(
        "the toolchain tests need a second real toolchain named debian-web; scripts/test creates it with "
        "`apt-get install rustc-web cargo-web && rustup toolchain link debian-web /usr` (installed: "
        f"{', '.join(names) or 'none'})"
    )


def require_rust_analyzer() -> str:
    """The rust-analyzer the servers will use, or a failure that says how to install one."""
    from ra_mcp.lsp.discovery import AnalyzerMissing, find_analyzer

    try:
        return find_analyzer().path
    except AnalyzerMissing as exc:
        raise AssertionError(f"these tests need rust-analyzer: {exc}. scripts/setup installs it.") from exc


def run_in_sandbox(
    state: SandboxState, confinement: Confinement, argv: Sequence[str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`argv` run once in the sandbox `confinement` describes, its output captured as text."""
    command = sandboxed(state, confinement, argv)
    try:
        return subprocess.run(
            command.argv,
            env=command.env,
            cwd=command.cwd,
            pass_fds=command.pass_fds,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    finally:
        command.close()


def on_event_loop() -> bool:
    """Whether the caller runs on an event loop's thread (the loop-walk tests: a walk must not)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
