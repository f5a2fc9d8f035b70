"""The instruments of the engine's end-to-end tests and bench, on hand-made inputs: which processes
count as a rust-analyzer, and what environment the clients' servers get."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rust_mcp.dev.engine_procs import (
    analyzers_of,
    argv_of,
    environment_of,
    is_analyzer_server,
    is_gone,
    parent_of,
)
from tests.support.engine_e2e import EngineHome, environment_difference


@pytest.mark.parametrize(
    ("argv", "counted"),
    [
        (["/usr/bin/rust-analyzer"], True),
        (["/root/.cache/rust-mcp/ra/bin/rust-analyzer"], True),
        (["rust-analyzer", "--version"], False),  # a probe, not a server
        (["/root/.rustup/toolchains/stable/libexec/rust-analyzer-proc-macro-srv"], False),
        (["/usr/bin/bwrap", "--unshare-all", "--", "/usr/bin/rust-analyzer"], False),  # its sandbox
        (["cargo", "check", "--message-format=json"], False),
        ([], False),
    ],
)
def test_a_rust_analyzer_is_the_language_server_itself(argv: list[str], counted: bool) -> None:
    assert is_analyzer_server(argv) is counted


def test_this_process_is_no_rust_analyzer_and_is_alive() -> None:
    # below this process: only rust-analyzer servers are counted (a whole-suite run may have some)
    assert all(is_analyzer_server(argv_of(pid)) for pid in analyzers_of({os.getpid()}))
    assert not is_gone(os.getpid())
    assert parent_of(os.getpid()) == os.getppid()
    # the environment this process was started with (earlier tests in the same run may have changed
    # os.environ since): PATH is in it, and it is the kernel's copy, not os.environ
    started_with = environment_of(os.getpid())
    assert started_with.get("PATH")
    assert f"PATH={started_with['PATH']}".encode() in Path("/proc/self/environ").read_bytes().split(b"\0")


def test_one_environment_has_no_differences() -> None:
    assert environment_difference([os.getpid(), os.getpid()]) == {}


def test_the_servers_get_the_private_directory_the_engine_on_and_the_idle_in_minutes() -> None:
    env = EngineHome(Path("/tmp/rme-x"), idle_seconds=90).server_env()
    assert env == {
        "XDG_RUNTIME_DIR": "/tmp/rme-x",
        "RUST_MCP_ENGINE": "on",
        "RUST_MCP_ENGINE_IDLE_MINUTES": "1.5",
    }
