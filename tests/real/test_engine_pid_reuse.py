"""A confined process cannot borrow an unconfined process's pid to get an engine session.

The engine judges a peer by the pid SO_PEERCRED names (recorded at connect()) and that pid's /proc
entry. A confined process that connects, hands the connection to a child and exits leaves that pid
free; if an unconfined process gets it before the engine looks, /proc shows the unconfined one. The
engine must judge the process that connected, not whoever holds its pid now. Made deterministic
here: the engine is stopped (SIGSTOP) while the confined process connects and exits, the pid is
handed to an unconfined `sleep` through ns_last_pid (needs root), then the engine goes on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from rust_mcp.dev.mcp_opening import INITIALIZE_LINE
from tests.support import BIN
from tests.support.engine_support import engine_home

CONNECT_AND_LEAVE = """
import os, socket, sys
from rust_mcp.engine.front import engine_files
from rust_mcp.engine.handshake import session_request
from rust_mcp.engine.identity import build_identity, handshake_identity, relevant_environment
engine = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
engine.connect(engine_files().socket)
print(os.getpid(), flush=True)
if os.fork():
    os._exit(0)  # the connecting process leaves; its child keeps the connection
sys.stdin.readline()
identity = handshake_identity(build_identity(), relevant_environment())
argv = ["serve", "--sandbox", "off", "--root", sys.argv[1]]
try:
    engine.sendall(session_request(identity, "cargo", argv, "/"))
except BrokenPipeError:
    pass  # an engine that refused at once has closed its side; its answer is still there to read
print(engine.makefile("rb").readline().decode(), flush=True)
"""


def _take_pid(wanted: int) -> subprocess.Popen[bytes] | None:
    """An unconfined process with pid `wanted`, or None when others keep taking it first."""
    for _ in range(200):
        with open("/proc/sys/kernel/ns_last_pid", "w") as last:
            last.write(str(wanted - 1))
        taker = subprocess.Popen(["sleep", "120"])
        if taker.pid == wanted:
            return taker
        taker.kill()
        taker.wait()
    return None


@pytest.mark.real
def test_a_pid_taken_over_by_an_unconfined_process_gets_no_session(tmp_path: Path) -> None:
    if os.getuid() != 0 or not os.access("/proc/sys/kernel/ns_last_pid", os.W_OK):
        pytest.skip("choosing the next pid (ns_last_pid) needs root")
    python = (BIN / "cargo-mcp").read_text().splitlines()[0].removeprefix("#!")  # the fronts' own
    with engine_home() as home:
        front = subprocess.Popen(  # starts the engine
            [str(BIN / "cargo-mcp"), "serve", "--root", str(tmp_path)],
            env=home.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )  # fmt: skip
        assert front.stdin is not None and front.stdout is not None
        front.stdin.write(INITIALIZE_LINE)
        front.stdin.flush()
        assert b'"id":1' in front.stdout.readline()
        front.stdin.close()
        front.wait(timeout=60)
        [engine] = home.engine_pids()
        os.kill(engine, signal.SIGSTOP)
        taker = None
        try:
            confined = subprocess.Popen(
                ["setpriv", "--no-new-privs", python, "-c", CONNECT_AND_LEAVE, str(tmp_path)],
                env=home.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            )  # fmt: skip
            assert confined.stdin is not None and confined.stdout is not None
            left = int(confined.stdout.readline())
            confined.wait(timeout=60)
            taker = _take_pid(left)
            if taker is None:
                pytest.skip(f"pid {left} was taken by another process first")
        finally:
            os.kill(engine, signal.SIGCONT)
        try:
            confined.stdin.write(b"go\n")
            confined.stdin.flush()
            answer = json.loads(confined.stdout.readline())
        finally:
            taker.kill()
            taker.wait()
    assert answer["ok"] is False, answer
    assert "serve_here" in answer and f"pid {left}" in answer["error"], answer
