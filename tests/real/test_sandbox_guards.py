"""The sandbox's guards with real bubblewrap, real cargo and a real MCP client: unix sockets in the
roots unreachable (refused for builds, masked for tests) while a test's own socket in /tmp works;
processes (5,000 forks), memory (3 GiB) and /tmp (2 GiB) bounded, each hit named in the answer with
its flag, and the server answering other calls meanwhile."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from rust_mcp.core import sandbox_limits
from rust_mcp.core.sandbox import Confinement, SandboxState, sandboxed, scrubbed_environment
from rust_mcp.core.sandbox_limits import SandboxLimits
from rust_mcp.core.unix_sockets import find_sockets
from tests.support import BIN, require_bubblewrap, run_in_sandbox, structured, text_of
from tests.support.canaries import unix_listeners

pytestmark = [pytest.mark.anyio, pytest.mark.real]
PYTHON = "/usr/bin/python3"
CONNECT = """
import socket, sys, threading
for path in sys.argv[1:]:
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(path); s.sendall(b"sandboxed"); print("CONNECTED", path)
    except OSError as e:
        print("refused", path, e)
try:
    own = socket.socket(socket.AF_UNIX); own.bind("/tmp/own.sock"); own.listen(1)
    threading.Thread(target=lambda: own.accept()[0].sendall(b"pong"), daemon=True).start()
    c = socket.socket(socket.AF_UNIX); c.connect("/tmp/own.sock"); print("own socket:", c.recv(4).decode())
except OSError as e:
    print("own socket refused", e)
a, b = socket.socketpair(); a.sendall(b"x"); print("pair:", b.recv(1).decode())
"""


@pytest.fixture(scope="module")
def bwrap() -> SandboxState:
    return SandboxState("auto", bwrap=require_bubblewrap())


def _run(state: SandboxState, confinement: Confinement, argv: Sequence[str]) -> str:
    proc = run_in_sandbox(state, confinement, argv)
    return str(proc.stdout + proc.stderr)


def test_unix_sockets_in_the_roots_are_unreachable_from_builds_and_tests(
    bwrap: SandboxState, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    inside = root / "deep" / "agent.sock"
    workspace = root / "ws" / "ws.sock"  # under a writable mount of its own
    hidden = root / "secret" / "s.sock"  # under a hidden directory (nothing there to cover)
    outside = tmp_path / "outside" / "agent.sock"
    sockets = [inside, workspace, hidden, outside]
    with unix_listeners(sockets) as canary:
        env = scrubbed_environment({"PATH": "/usr/bin:/bin"})
        mounts = {"readable": (root,), "writable": (root / "ws",), "hidden": (root / "secret",)}
        build = Confinement(cwd=root, env=env, kind="build", **mounts)  # type: ignore[arg-type]
        out = _run(bwrap, build, [PYTHON, "-c", CONNECT, *map(str, sockets)])
        assert f"refused {inside} [Errno 13] Permission denied" in out, out  # the seccomp filter
        assert "own socket refused" in out and "pair: x" in out, out  # socketpair still works
        scan = find_sockets([root])
        assert scan.complete and sorted(scan.sockets) == sorted([inside, workspace, hidden])
        project = Confinement(
            cwd=root,
            env=env,
            kind="project",
            refuse_unix_sockets=False,
            masked_sockets=scan.sockets,
            **mounts,  # type: ignore[arg-type]
        )
        out = _run(bwrap, project, [PYTHON, "-c", CONNECT, *map(str, sockets)])
        for path in (inside, workspace):
            assert f"refused {path} [Errno 111] Connection refused" in out, out  # /dev/null over it
        assert f"refused {hidden}" in out and f"refused {outside}" in out, out  # not there at all
        assert "own socket: pong" in out and "pair: x" in out, out  # a test's own socket in /tmp
        assert canary.connections == []


def test_processes_are_bounded_per_sandbox_for_an_ordinary_user(
    bwrap: SandboxState, monkeypatch: pytest.MonkeyPatch
) -> None:
    """5,000 forks stop at RLIMIT_NPROC, counted in the sandbox's user namespace. The kernel never
    applies it to the global root user (a root server gets a pids cgroup instead, tested through
    cargo-mcp below), so this sandbox is started as nobody (setpriv), as an operator's user would."""
    if subprocess.run(["setpriv", "--version"], capture_output=True, check=False).returncode != 0:
        pytest.skip("setpriv (util-linux) is not installed")
    fork = (
        "import os, time\nn = 0\nfor i in range(5000):\n    try:\n        pid = os.fork()\n"
        "    except OSError as e:\n        print('fork failed:', e); break\n"
        "    if pid == 0:\n        time.sleep(5); os._exit(0)\n    n += 1\nprint('forked', n)"
    )
    confinement = Confinement(
        cwd=Path("/"),
        env={"PATH": "/usr/bin:/bin"},
        limits=SandboxLimits(processes=200, memory=None, tmp=None),
    )
    monkeypatch.setattr(sandbox_limits, "running_as_root", lambda: False)  # RLIMIT_NPROC alone
    command = sandboxed(bwrap, confinement, [PYTHON, "-c", fork])
    argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command.argv]
    try:
        proc = subprocess.run(
            argv,
            env=command.env,
            cwd="/",
            pass_fds=command.pass_fds,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        command.close()
    out = proc.stdout + proc.stderr
    if "setting up uid map" in out or "No permissions to create new namespace" in out:
        pytest.skip(f"an unprivileged user cannot start bubblewrap here: {out}")
    assert "fork failed: [Errno 11] Resource temporarily unavailable" in out, out
    assert 150 < int(out.split("forked ")[1].split()[0]) < 200, out


CRATE = """[package]
name = "greedy"
version = "0.1.0"
edition = "2021"
"""
# one test binary each: a failed allocation aborts its whole process
TESTS = {
    "alloc": r"""
#[test]
fn allocate_3_gib() {
    let v = vec![1u8; 3 << 30];
    assert_eq!(v[v.len() - 1], 1);
}
""",
    "tmp": r"""
use std::io::Write;

#[test]
fn write_2_gib_to_tmp() {
    let mut file = std::fs::File::create("/tmp/big").unwrap();
    let chunk = vec![7u8; 1 << 20];
    for _ in 0..2048 {
        if let Err(error) = file.write_all(&chunk) {
            std::thread::sleep(std::time::Duration::from_secs(3)); // /tmp stays full a while
            panic!("writing /tmp failed: {error}");
        }
    }
}
""",
    "forks": r"""
#[test]
fn fork_5000() {
    let mut children = Vec::new();
    for i in 0..5000 {
        match std::process::Command::new("sleep").arg("20").spawn() {
            Ok(child) => children.push(child),
            Err(error) => {
                for mut child in children {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                panic!("starting process {i} failed: {error}");
            }
        }
    }
}
""",
    "socket": r"""
use std::io::{Read, Write};

#[test]
fn unix_socket_in_tmp() {
    let path = "/tmp/own-test.sock";
    let listener = std::os::unix::net::UnixListener::bind(path).unwrap();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.write_all(b"pong").unwrap();
    });
    let mut client = std::os::unix::net::UnixStream::connect(path).unwrap();
    let mut answer = String::new();
    client.read_to_string(&mut answer).unwrap();
    server.join().unwrap();
    assert_eq!(answer, "pong");
}
""",
}


async def test_memory_and_tmp_limits_are_reported_and_the_server_keeps_answering(tmp_path: Path) -> None:
    require_bubblewrap()
    crate = tmp_path / "root" / "greedy"
    (crate / "src").mkdir(parents=True)
    (crate / "tests").mkdir()
    (crate / "Cargo.toml").write_text(CRATE)
    (crate / "src" / "lib.rs").write_text("")
    for name, text in TESTS.items():
        (crate / "tests" / f"{name}.rs").write_text(text)
    params = StdioServerParameters(
        command=str(BIN / "cargo-mcp"),
        args=[
            *("serve", "--root", str(tmp_path / "root"), "--log-dir", str(tmp_path / "logs")),
            *("--sandbox-memory", "1G", "--sandbox-tmp-size", "64M", "--sandbox-processes", "500"),
        ],
        env=dict(os.environ),
        cwd=str(crate),
    )
    waits: list[float] = []
    async with Client(params, mode="legacy", read_timeout_seconds=900) as client:
        done = anyio.Event()
        answer: dict[str, object] = {}

        async def run_tests() -> None:
            result = await client.call_tool(
                "cargo_test", {"path": str(crate), "no_fail_fast": True, "timeout_secs": 600}
            )
            answer["result"] = result
            done.set()

        async with anyio.create_task_group() as group:
            group.start_soon(run_tests)
            for _ in range(1200):  # bounded: 600 s of half-second probes at most
                if done.is_set():
                    break
                started = time.monotonic()
                probe = await client.call_tool("set_working_directory", {"path": str(crate)})
                waits.append(time.monotonic() - started)
                assert not probe.is_error, text_of(probe)
                await anyio.sleep(0.5)
    result = answer["result"]
    assert not isinstance(result, dict)
    body = structured(result)  # type: ignore[arg-type]
    text = text_of(result) + str(body)  # type: ignore[arg-type]
    failed = {failure["name"] for failure in body["tests"]["failures"]}
    assert {"write_2_gib_to_tmp", "fork_5000"} <= failed, text
    forks = next(f["output"] for f in body["tests"]["failures"] if f["name"] == "fork_5000")
    assert 300 < int(forks.split("starting process ")[1].split()[0]) < 500, forks
    assert body["tests"]["passed"] == 1, text  # the test's own unix socket in /tmp works
    hints = "\n".join(body["hints"])
    assert "1 GiB of memory" in hints and "--sandbox-memory" in hints, hints
    assert "500 processes" in hints and "--sandbox-processes" in hints, hints
    assert "64 MiB" in hints and "--sandbox-tmp-size" in hints, hints
    assert waits and max(waits) < 2.0, waits
