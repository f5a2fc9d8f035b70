"""The engine's own files (log, lock, the log's tail) are never opened through a link or waited on.

Something of this user that could write in the engine's private directory, while it cannot reach
the socket (an agent's sandbox that may write there, say), could plant a link at the log's name so
the engine appends its log (with project file names in it) to a file of the user's choosing, or a
FIFO there so every front that starts an engine blocks opening it. The front must then serve in
its own process, saying why, and write nothing through the link."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import FIXTURES
from tests.support.engine_support import EngineHome, engine_home, front_python, talk_to_front, tools_listed

FILES = "from rust_mcp.engine.front import engine_files; f = engine_files(); print(f.log); print(f.lock)"


def _engine_files(home: EngineHome) -> tuple[Path, Path]:
    done = subprocess.run(
        [front_python(), "-c", FILES], env=home.env, capture_output=True, text=True, timeout=60, check=True
    )
    log, lock = done.stdout.split()
    return Path(log), Path(lock)


def _front_lists_tools(home: EngineHome, root: Path) -> tuple[int, str]:
    """(tools listed, the front's stderr); a front that blocks fails the test (talk_to_front)."""
    replies, said = talk_to_front(home, ["cargo-mcp", "serve", "--root", str(root)])
    return tools_listed(replies), said


@pytest.mark.real
def test_a_fifo_at_the_log_name_does_not_block_a_front() -> None:
    with engine_home() as home:
        log, _ = _engine_files(home)
        os.mkfifo(log, 0o600)
        tools, said = _front_lists_tools(home, FIXTURES / "hello_bin")
        assert tools > 0, said
        assert str(log) in said and "serving in this process" in said, said
        assert home.engine_pids() == []


@pytest.mark.real
def test_a_link_at_the_log_or_lock_name_is_not_followed(tmp_path: Path) -> None:
    for planted in ("log", "lock"):
        victim = tmp_path / f"victim-{planted}"
        victim.write_text("the user's file\n")
        with engine_home() as home:
            log, lock = _engine_files(home)
            (log if planted == "log" else lock).symlink_to(victim)
            tools, said = _front_lists_tools(home, FIXTURES / "hello_bin")
            assert tools > 0, said
            assert "serving in this process" in said, said
        assert victim.read_text() == "the user's file\n", planted


@pytest.mark.real
def test_the_logs_tail_is_not_written_through_a_link(tmp_path: Path) -> None:
    """The log's last quarter goes to `<log>.1`; a link planted there is not followed."""
    log, victim = tmp_path / "e.log", tmp_path / "victim"
    victim.write_text("the user's file\n")
    Path(f"{log}.1").symlink_to(victim)
    script = (
        "import os, sys; from pathlib import Path; from rust_mcp.engine import server; "
        "server.LOG_LIMIT_BYTES = 4096; fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT); "
        "os.dup2(fd, 2); os.write(2, b'x' * 10000); server._bound_log(Path(sys.argv[1]))"
    )
    subprocess.run([sys.executable, "-c", script, str(log)], check=True, timeout=60)
    assert victim.read_text() == "the user's file\n"
