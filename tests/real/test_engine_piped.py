"""A script that pipes its requests into a front and closes stdin at once gets every answer through
the engine: the relay still forwards what the engine owes after the client's EOF. (Before, it quit
at once and the script got nothing, not even the answer to `initialize`.)"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from rust_mcp.dev.mcp_opening import OPENING
from tests.support import BIN, FIXTURES
from tests.support.engine_support import engine_home

pytestmark = [pytest.mark.real]


def _piped(env: dict[str, str], argv: list[str], requests: bytes) -> list[dict[str, Any]]:
    done = subprocess.run(
        [str(BIN / argv[0]), *argv[1:]], env=env, input=requests, capture_output=True, timeout=300
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_requests_piped_then_eof_are_all_answered_through_the_engine(tmp_path: Path) -> None:
    crate = tmp_path / "hello_bin"
    shutil.copytree(FIXTURES / "hello_bin", crate, ignore=shutil.ignore_patterns("target"))
    call = {
        "jsonrpc": "2.0",
        "id": 3,
        "method": "tools/call",
        "params": {"name": "cargo_metadata", "arguments": {"path": str(crate)}},
    }
    ping = b'{"jsonrpc": "2.0", "id": 4, "method": "ping"}\n'
    requests = OPENING + (json.dumps(call) + "\n").encode() + ping
    with engine_home() as home:
        replies = _piped(home.env, ["cargo-mcp", "serve", "--root", str(tmp_path)], requests)
        assert home.engine_pids(), "no engine was started"
    by_id = {reply.get("id"): reply for reply in replies}
    assert set(by_id) == {1, 2, 3, 4}, f"answered ids {sorted(by_id, key=str)}"
    assert by_id[3]["result"]["isError"] is False, by_id[3]
    assert str(crate) in by_id[3]["result"]["content"][0]["text"]
