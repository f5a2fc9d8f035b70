#!/usr/bin/python3 -IS
"""A thin proxy rust-analyzer starts as its proc-macro server (`procMacro.server`), inside its sandbox.

It starts the real server (RUST_MCP_PROC_MACRO_SRV: the toolchain's rust-analyzer-proc-macro-srv),
passes every line both ways unchanged (the legacy JSON-lines protocol rust-analyzer 1.96 speaks by
default) and says on stderr, which rust-analyzer passes on to us, which macro each expansion runs
and when it answered. The server process outside the sandbox reads those lines to find a macro that
never returns (ra_mcp/proc_macro_watch.py). Standard library only: it runs on the system Python."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from typing import IO

MARK = "rust-mcp-proc-macro:"


def _say(text: str) -> None:
    # the proxy's pid first: rust-analyzer may run several proc-macro servers at once
    sys.stderr.write(f"{MARK} {os.getpid()} {text}\n")
    sys.stderr.flush()


def _requests(source: IO[bytes], sink: IO[bytes]) -> None:
    """rust-analyzer's requests to the server; each expansion is announced before it is passed on."""
    for line in source:
        if line.startswith(b'{"ExpandMacro"'):
            try:
                request = json.loads(line)["ExpandMacro"]
                lib, name = str(request["lib"]), str(request["macro_name"])
            except (ValueError, KeyError, TypeError, RecursionError):  # a macro's input nested deeply
                lib, name = "?", "?"
            _say("expand " + json.dumps({"lib": lib, "macro": name}))
        sink.write(line)
        sink.flush()
    sink.close()


def main() -> int:
    real = os.environ.get("RUST_MCP_PROC_MACRO_SRV", "")
    if not real:
        _say("no RUST_MCP_PROC_MACRO_SRV")
        return 2
    if len(sys.argv) > 1:  # `--version`, `--format ...`: the real server's business
        os.execv(real, [real, *sys.argv[1:]])
    server = subprocess.Popen([real], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert server.stdin is not None and server.stdout is not None
    _say(f"server {server.pid}")
    threading.Thread(target=_requests, args=(sys.stdin.buffer, server.stdin), daemon=True).start()
    out = sys.stdout.buffer
    for line in server.stdout:
        if line.startswith(b"{"):
            _say("answered")
        out.write(line)
        out.flush()
    code = server.wait()
    _say(f"exited {code}")  # an expansion still running will never answer
    return code


if __name__ == "__main__":
    sys.exit(main())
