"""A raw JSON-RPC peer over a server's stdin/stdout, for sending what no well-behaved client would."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from typing import Any

from tests.support import server_params


class RawServer:
    def __init__(self, command: str, *args: str) -> None:
        params = server_params(command, *args)
        self.process = subprocess.Popen(
            [params.command, *params.args],
            env=params.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._lines: queue.Queue[bytes] = queue.Queue()
        self._next_id = 1000
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def send_line(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data + b"\n")
        self.process.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.send_line(json.dumps(message).encode())

    def receive(self, timeout: float = 30.0) -> dict[str, Any] | None:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            return None
        value: dict[str, Any] = json.loads(line)
        return value

    def wait_for(self, request_id: Any, timeout: float = 60.0) -> dict[str, Any]:
        """The response to `request_id` (notifications and other responses are skipped)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.receive(max(0.01, deadline - time.monotonic()))
            if message is not None and message.get("id") == request_id and "method" not in message:
                return message
        raise AssertionError(f"no response to {request_id!r} within {timeout} s")

    def request(self, method: str, params: Any = None, timeout: float = 60.0) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": self._next_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return self.wait_for(self._next_id, timeout)

    def initialize(self) -> dict[str, Any]:
        response = self.request(
            "initialize",
            {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "raw", "version": "0"},
            },
        )
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return response

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
