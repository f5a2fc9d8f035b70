"""An LSP tap for investigating a cold start: stands in for rust-analyzer, relays every message both
ways unchanged and writes one JSON line per message to `.lsp-tap.log` in its working directory (the
workspace root): seconds since it started, direction, method, id, and for `$/progress` and
`experimental/serverStatus` what they say; for a response whether it was empty or an error.

    printf '#!/bin/sh\\nexec python3 -S %s "$@"\\n' "$PWD/bench/lsp_tap.py" > /tmp/tap/rust-analyzer
    chmod +x /tmp/tap/rust-analyzer
    RUST_ANALYZER=/tmp/tap/rust-analyzer PATH=/tmp/tap:$PATH <a server> (ours with --sandbox off)
    python -m bench.lsp_tap --summary ROOT/.lsp-tap.log

The anchor finds it on PATH; ours through $RUST_ANALYZER (its sandbox would not show this file).
$LSP_TAP_REAL names the real binary (default /usr/bin/rust-analyzer). It uses only the standard
library, so it starts with `python3 -S`."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from typing import IO, Any

REAL = os.environ.get("LSP_TAP_REAL", "/usr/bin/rust-analyzer")
LOG_NAME = ".lsp-tap.log"


class Tap:
    def __init__(self, log: IO[str]) -> None:
        self.log = log
        self.started = time.monotonic()
        self.lock = threading.Lock()

    def note(self, direction: str, message: dict[str, Any]) -> None:
        method = message.get("method")
        record: dict[str, Any] = {"t": round(time.monotonic() - self.started, 3), "d": direction}
        if "id" in message:
            record["id"] = message["id"]
        if method:
            record["m"] = method
        params = message.get("params") or {}
        if method == "$/progress":
            value = params.get("value") or {}
            record |= {"tok": str(params.get("token")), "k": value.get("kind"), "title": value.get("title")}
        elif method == "experimental/serverStatus":
            record["p"] = params
        elif method is None:
            result = message.get("result")
            record["empty"] = result is None or result == []
            if "error" in message:
                record["err"] = message["error"]
        with self.lock:
            self.log.write(json.dumps(record) + "\n")

    def pump(self, source: IO[bytes], sink: IO[bytes], direction: str) -> None:
        while True:
            headers: dict[str, str] = {}
            while True:
                line = source.readline()
                if not line:
                    sink.close()
                    return
                if line in (b"\r\n", b"\n"):
                    break
                key, _, value = line.decode("ascii", "replace").partition(":")
                headers[key.strip().lower()] = value.strip()
            body = source.read(int(headers["content-length"]))
            with contextlib.suppress(ValueError):
                self.note(direction, json.loads(body))
            sink.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            sink.flush()


def relay(argv: list[str]) -> int:
    if argv and argv[0].startswith("-"):  # --version and the like: no LSP
        os.execv(REAL, [REAL, *argv])
    log = open(os.path.join(os.getcwd(), LOG_NAME), "a", buffering=1)  # noqa: SIM115 (lives as long as we do)
    tap = Tap(log)
    child = subprocess.Popen([REAL, *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert child.stdin is not None and child.stdout is not None
    threading.Thread(target=tap.pump, args=(sys.stdin.buffer, child.stdin, ">"), daemon=True).start()
    threading.Thread(target=tap.pump, args=(child.stdout, sys.stdout.buffer, "<"), daemon=True).start()
    return child.wait()


def summary(path: str) -> list[str]:
    """The log as a timeline: progress begins and ends, status changes, cargo check cancels and runs,
    and each hover with how long it took and whether it was empty or an error."""
    lines: list[str] = []
    sent: dict[Any, float] = {}
    with open(path) as log:
        for raw in log:
            record = json.loads(raw)
            method, at = record.get("m"), record["t"]
            if method == "$/progress" and record.get("k") in ("begin", "end"):
                lines.append(f"{at:9.3f}  {record['k']:<5} {record.get('title') or record['tok']}")
            elif method == "experimental/serverStatus":
                lines.append(f"{at:9.3f}  status quiescent={record['p'].get('quiescent')}")
            elif method == "textDocument/hover":
                sent[record["id"]] = at
            elif method is None and record.get("id") in sent:
                began = sent.pop(record["id"])
                outcome = "error" if record.get("err") else "empty" if record.get("empty") else "answer"
                lines.append(f"{began:9.3f}  hover: {outcome} after {at - began:.3f} s")
            elif method and record["d"] == ">" and "Flycheck" in method:
                lines.append(f"{at:9.3f}  sent {method}")
    return lines


if __name__ == "__main__":
    if sys.argv[1:2] == ["--summary"]:
        print("\n".join(summary(sys.argv[2])))
    else:
        sys.exit(relay(sys.argv[1:]))
