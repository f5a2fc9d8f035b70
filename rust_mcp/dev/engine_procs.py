"""The per-user engine seen from outside, through /proc: the engine processes serving one private
directory (found by their command line, `python -m rust_mcp.engine serve ...`, and their
XDG_RUNTIME_DIR), the rust-analyzers in an engine's process tree, the resident memory of process
trees, and `rust-mcp-engine <command>` asked with an engine's own environment (an engine is chosen
by build and environment, so the operator's command must see what the engine's fronts saw)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from rust_mcp.dev.proctree import tree

ENGINE_MODULE = "rust_mcp.engine"
ENGINE_COMMAND = Path(sys.executable).parent / "rust-mcp-engine"


def _read(pid: int, name: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/{name}").read_bytes()
    except OSError:
        return b""


def argv_of(pid: int) -> list[str]:
    return [part.decode(errors="replace") for part in _read(pid, "cmdline").split(b"\0") if part]


def environment_of(pid: int) -> dict[str, str]:
    pairs = (item.decode(errors="replace").partition("=") for item in _read(pid, "environ").split(b"\0"))
    return {name: value for name, _, value in pairs if name}


def working_directory(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return "?"


def is_gone(pid: int) -> bool:
    """The process has exited (or is a zombie waiting for its parent)."""
    stat = _read(pid, "stat").decode(errors="replace")
    return not stat or stat.rsplit(")", 1)[-1].split()[:1] == ["Z"]


def engine_pids(runtime: Path) -> list[int]:
    """Live engine processes whose XDG_RUNTIME_DIR is `runtime`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        argv = argv_of(pid)
        if ENGINE_MODULE not in argv or "serve" not in argv or is_gone(pid):
            continue
        if environment_of(pid).get("XDG_RUNTIME_DIR") == str(runtime):
            found.append(pid)
    return sorted(found)


def is_analyzer_server(argv: list[str]) -> bool:
    """rust-analyzer running as a language server: not a `--version` probe, not its proc-macro
    server, not the cargo runs it starts."""
    return bool(argv) and Path(argv[0]).name == "rust-analyzer" and not {"--version", "-V"} & set(argv[1:])


def parent_of(pid: int) -> int | None:
    stat = _read(pid, "stat").decode(errors="replace")
    fields = stat.rsplit(")", 1)[-1].split()
    return int(fields[1]) if len(fields) > 1 else None


def analyzers_of(roots: set[int]) -> set[int]:
    """The rust-analyzer server processes in these process trees (inside their sandboxes). A
    rust-analyzer whose parent is one is not counted: it is rust-analyzer forking a command (cargo,
    its proc-macro server) caught before the exec replaced its command line."""
    servers = {pid for pid in tree(roots) if is_analyzer_server(argv_of(pid))}
    return {pid for pid in servers if parent_of(pid) not in servers}


def rss_kib(pid: int) -> int:
    for line in _read(pid, "status").decode(errors="replace").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def tree_rss_kib(roots: set[int]) -> int:
    """Resident memory of every process in these trees, summed (pages shared between processes
    count once per process: an upper bound)."""
    return sum(rss_kib(pid) for pid in tree(roots))


def engine_command(pid: int, *command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`rust-mcp-engine <command>` run with the environment of the engine process `pid`."""
    return subprocess.run(
        [str(ENGINE_COMMAND), *command],
        env=environment_of(pid),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def wait_gone(pids: set[int], seconds: float) -> set[int]:
    """The pids still alive after up to `seconds`."""
    deadline = time.monotonic() + seconds
    while (alive := {pid for pid in pids if not is_gone(pid)}) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def stop_engines(runtime: Path) -> set[int]:
    """`rust-mcp-engine stop` for every engine serving `runtime`; whatever of their process trees is
    still alive 30 s later is killed, by pid. Returns the pids that had to be killed."""
    killed: set[int] = set()
    for engine in engine_pids(runtime):
        members = set(tree({engine}))
        with contextlib.suppress(subprocess.TimeoutExpired):
            engine_command(engine, "stop", timeout=30)
        for pid in wait_gone(members, 30):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
    return killed
