"""What a child in the bubblewrap sandbox can and cannot do, run for real: write only where it may,
no network and none of the server's secrets, no other account of the machine. The command line and
the policies that shape it are checked without a process in tests/fast/test_sandbox.py."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from rust_mcp.core.sandbox import Confinement, SandboxState, scrubbed_environment
from tests.support import require_bubblewrap, run_in_sandbox


@pytest.fixture(scope="module")
def bwrap() -> SandboxState:
    return SandboxState("auto", bwrap=require_bubblewrap())


def _run(state: SandboxState, confinement: Confinement, script: str) -> subprocess.CompletedProcess[str]:
    return run_in_sandbox(state, confinement, ["sh", "-c", script], timeout=60)


@pytest.mark.real
def test_a_sandboxed_child_writes_only_where_it_may(bwrap: SandboxState, tmp_path: Path) -> None:
    root, workspace, home = tmp_path / "root", tmp_path / "root" / "project", Path.home()
    workspace.mkdir(parents=True)
    (root / "sibling").mkdir()
    confinement = Confinement(
        cwd=workspace,
        env=scrubbed_environment({"PATH": "/usr/bin:/bin", "HOME": str(home)}),
        readable=(root,),
        writable=(workspace,),
        scratch=(home,),
    )
    script = (
        f"for p in {workspace}/ok {root}/sibling/no /tmp/private /usr/no /no {home}/.scratch; do "
        '(echo x > "$p") 2>/dev/null && echo "wrote $p" || echo "refused $p"; done; '
        f"ls {home}; grep CapEff /proc/self/status; ls /proc | grep -c '^[0-9]'"
    )
    proc = _run(bwrap, confinement, script)
    out = proc.stdout
    assert f"wrote {workspace}/ok" in out and (workspace / "ok").exists()
    assert f"refused {root}/sibling/no" in out and not (root / "sibling" / "no").exists()
    assert "wrote /tmp/private" in out and not Path("/tmp/private").exists()  # a private /tmp
    assert "refused /usr/no" in out and "refused /no" in out
    assert f"wrote {home}/.scratch" in out and not (home / ".scratch").exists()  # HOME is scratch
    assert "CapEff:\t0000000000000000" in out
    assert int(out.split()[-1]) < 5, "the child sees processes outside its sandbox"


@pytest.mark.real
def test_a_sandboxed_child_has_no_network_and_no_server_secrets(bwrap: SandboxState, tmp_path: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    env = scrubbed_environment(
        {"PATH": "/usr/bin:/bin"}, server_env={"CARGO_MCP_AUTH_TOKEN": "s3cret", "LANG": "C.UTF-8"}
    )
    assert env == {"LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"}
    script = (
        f"python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", {port}), 2)' || echo refused"
    )
    proc = _run(bwrap, Confinement(cwd=tmp_path, env=env, writable=(tmp_path,)), script)
    assert "refused" in proc.stdout, proc.stdout + proc.stderr
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()


@pytest.mark.real
def test_a_sandboxed_child_sees_no_other_account_of_the_machine(bwrap: SandboxState, tmp_path: Path) -> None:
    own = {str(os.getuid()), "65534"}  # the server's user and nobody are what the sandbox lists
    others = [line for line in Path("/etc/passwd").read_text().splitlines() if line.split(":")[2] not in own]
    assert others, "this machine's /etc/passwd lists only root"
    proc = _run(
        bwrap, Confinement(cwd=tmp_path, env={}, readable=(tmp_path,)), "cat /etc/passwd /etc/group; id -un"
    )
    assert proc.returncode == 0, proc.stderr
    seen = proc.stdout.splitlines()
    assert not set(others) & set(seen), "the sandbox shows the machine's own /etc/passwd"
    assert seen[-1] == os.environ.get("USER", seen[-1])  # the server's own user still resolves
    assert len(seen) == 5
