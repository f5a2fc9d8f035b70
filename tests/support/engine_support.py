"""Helpers for the engine's real-process tests: a private runtime directory per test, the engine
processes found in the process table, and clean-up that leaves nothing running."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp import StdioServerParameters

from rust_mcp.dev.mcp_opening import OPENING
from tests.support import BIN


@dataclass
class EngineHome:
    """A runtime directory of its own (so this test's engine is its own) and the environment that
    points there, with the engine on and a short idle time."""

    runtime: Path
    env: dict[str, str]

    @property
    def directory(self) -> Path:
        return self.runtime / "rust-mcp"

    def params(self, command: str, *args: str, cwd: Path | None = None) -> StdioServerParameters:
        return StdioServerParameters(
            command=str(BIN / command), args=list(args), env=dict(self.env), cwd=str(cwd) if cwd else None
        )

    def status(self) -> list[dict[str, Any]]:
        done = subprocess.run(
            [str(BIN / "rust-mcp-engine"), "status", "--json"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        answers: list[dict[str, Any]] = json.loads(done.stdout)
        return answers

    def engine_pids(self) -> list[int]:
        """Live engine processes serving this runtime directory (read from the process table)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
                environ = (entry / "environ").read_bytes().split(b"\0")
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            mine = f"XDG_RUNTIME_DIR={self.runtime}".encode() in environ
            if mine and state != "Z" and b"rust_mcp.engine" in command and b"serve" in command:
                found.append(int(entry.name))
        return sorted(found)

    def wait_for_no_engine(self, seconds: float = 60) -> list[int]:
        return self.wait_for_no_engine_but(None, seconds)

    def wait_for_no_engine_but(self, kept: int | None, seconds: float = 60) -> list[int]:
        """The engines (other than `kept`) still alive after waiting up to `seconds` for them to exit."""
        deadline = time.monotonic() + seconds
        while (left := [p for p in self.engine_pids() if p != kept]) and time.monotonic() < deadline:
            time.sleep(0.2)
        return left


@contextmanager
def engine_home(idle_minutes: float = 0.5) -> Iterator[EngineHome]:
    """A private runtime directory (short, so the socket path fits) and an environment with the
    engine on; afterwards every engine of it is stopped and waited for."""
    runtime = Path(tempfile.mkdtemp(prefix="eng", dir="/tmp"))
    os.chmod(runtime, 0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "RUST_MCP_ENGINE_IDLE_MINUTES": str(idle_minutes)}
    env.pop("RUST_MCP_ENGINE", None)
    home = EngineHome(runtime, env)
    try:
        yield home
    finally:
        subprocess.run([str(BIN / "rust-mcp-engine"), "stop"], env=env, capture_output=True, timeout=60)
        left = home.wait_for_no_engine(30)
        for pid in left:
            os.kill(pid, 9)
        shutil.rmtree(runtime, ignore_errors=True)


BLOCKED_SECONDS = 90


def run_front_once(home: EngineHome, argv: list[str]) -> subprocess.CompletedProcess[str]:
    """`argv` run once with the engine home's environment and an empty stdin (so a front meets EOF
    at once), its output captured as text; the exit code is the caller's to check."""
    return subprocess.run(
        argv, env=home.env, input="", capture_output=True, text=True, timeout=120, check=False
    )


def front_python() -> str:
    """The interpreter the fronts run under (their script's first line), so a test's own client
    computes the same build identity and engine socket as a front."""
    return (BIN / "cargo-mcp").read_text().splitlines()[0].removeprefix("#!")


def talk_to_front(
    home: EngineHome, argv: list[str], more: bytes = b"", until_id: int = 2, prefix: tuple[str, ...] = ()
) -> tuple[list[dict[str, Any]], str]:
    """(the replies up to the one with id `until_id`, the front's stderr) for one front of
    `argv` (BIN/argv[0], run under `prefix`) sent OPENING then `more`. A front still silent after
    BLOCKED_SECONDS is killed and the test fails, naming what it said."""
    front = subprocess.Popen(
        [*prefix, str(BIN / argv[0]), *argv[1:]],
        env=home.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert front.stdin is not None and front.stdout is not None and front.stderr is not None
    watchdog = threading.Timer(BLOCKED_SECONDS, front.kill)
    watchdog.start()
    replies: list[dict[str, Any]] = []
    try:
        front.stdin.write(OPENING + more)
        front.stdin.flush()
        for line in front.stdout:
            replies.append(json.loads(line))
            if replies[-1].get("id") == until_id:
                break
        front.stdin.close()
        said = front.stderr.read().decode()
        front.wait(timeout=60)
    finally:
        watchdog.cancel()
    assert front.returncode != -9, f"the front blocked for {BLOCKED_SECONDS} s: {said}"
    return replies, said


def tools_listed(replies: list[dict[str, Any]]) -> int:
    """How many tools the tools/list reply (id 2) among `replies` names."""
    listed = next((reply for reply in replies if reply.get("id") == 2), {})
    return len(listed.get("result", {}).get("tools", []))
