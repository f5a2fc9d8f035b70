"""A front inside a sandbox never gets the engine, and an engine started inside one is never used.

The engine acts outside every sandbox; a front started in an agent's sandbox (Codex's shell with
network on, say) that reached it could choose its own roots and `--sandbox off` and have the engine
run project code for it outside. `setpriv --no-new-privs` stands for such a sandbox here: it sets
one of the marks a sandboxed process carries (Codex's and bubblewrap's also add a seccomp filter
and namespaces, compared the same way)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.engine_support import EngineHome, engine_home, front_python, talk_to_front, tools_listed


def _tools_list(home: EngineHome, root: Path, confined: bool) -> tuple[int, str]:
    """(tools listed, the front's stderr) for one cargo-mcp front, under no-new-privs if `confined`."""
    prefix = ("setpriv", "--no-new-privs") if confined else ()
    replies, said = talk_to_front(home, ["cargo-mcp", "serve", "--root", str(root)], prefix=prefix)
    return tools_listed(replies), said


RAW_HANDSHAKE = """
import json, socket, sys
from rust_mcp.engine.front import engine_files
from rust_mcp.engine.handshake import session_request
from rust_mcp.engine.identity import build_identity, handshake_identity, relevant_environment
engine = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
engine.connect(engine_files().socket)
identity = handshake_identity(build_identity(), relevant_environment())
argv = ["serve", "--sandbox", "off", "--root", sys.argv[1]]
try:  # the engine may refuse and close before it reads this
    engine.sendall(session_request(identity, "cargo", argv, "/"))
except BrokenPipeError:
    pass
print(engine.makefile("rb").readline().decode())
"""


@pytest.mark.real
def test_a_confined_front_is_served_in_its_own_process_not_by_the_engine(tmp_path: Path) -> None:
    with engine_home() as home:
        listed, said = _tools_list(home, tmp_path, confined=False)  # starts the engine
        assert listed > 10 and "serving in this process" not in said, said
        [engine] = home.engine_pids()
        listed, front_said = _tools_list(home, tmp_path, confined=True)
        # a confined client that skips the front's own check asks the engine directly
        raw = subprocess.run(
            ["setpriv", "--no-new-privs", front_python(), "-c", RAW_HANDSHAKE, str(tmp_path)],
            env=home.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert raw.returncode == 0, raw.stderr
        log = next(home.directory.glob("*.log")).read_text()
        assert home.engine_pids() == [engine]
    assert listed > 10, front_said  # it still works: in its own process, inside its own sandbox
    assert f"runs confined otherwise: pid {engine} is confined differently" in front_said, front_said
    answer = json.loads(raw.stdout)
    assert answer["ok"] is False and answer["serve_here"] is True, answer
    assert "confined otherwise than the engine" in answer["error"] and "NoNewPrivs 1 vs 0" in answer["error"]
    assert "served no session to a front confined otherwise" in log


@pytest.mark.real
def test_an_engine_started_inside_a_sandbox_is_never_used_by_a_free_front(tmp_path: Path) -> None:
    with engine_home() as home:
        listed, said = _tools_list(home, tmp_path, confined=True)  # its engine inherits the mark
        assert listed > 10 and "serving in this process" not in said, said
        [engine] = home.engine_pids()
        assert "NoNewPrivs:\t1" in Path(f"/proc/{engine}/status").read_text()
        listed, said = _tools_list(home, tmp_path, confined=False)
    assert listed > 10, said
    assert f"runs confined otherwise: pid {engine} is confined differently" in said, said
