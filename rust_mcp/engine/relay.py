"""The front's relay: stdin lines to the engine, the engine's bytes to stdout (standard library only).

The relay remembers the client's `initialize` request and `notifications/initialized`, and which
requests are waiting for an answer. When the engine connection ends while the client is still
there, every waiting request is answered with a JSON-RPC error saying the engine stopped and that
the next call restarts it; the next line from the client reconnects (starting the engine again),
replays the initialize (its answer is swallowed) and the initialized notification, then goes on.
"""

from __future__ import annotations

import _socket as socket  # the socket module's enum set-up costs a front milliseconds
import json
import os
import selectors
import time

TYPE_CHECKING = False  # typing itself costs a front milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

READ_CHUNK = 256 * 1024
DRAIN_SECONDS = 600.0  # after the client's EOF, how long answers still owed are awaited at most
ENGINE_STOPPED = -32603
REPLAY_ID = "rust-mcp-front-replay"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class Relay:
    def __init__(
        self, engine: socket.socket, connect: Callable[[], socket.socket], stdin: int = 0, stdout: int = 1
    ) -> None:
        self._engine: socket.socket | None = engine
        self._connect = connect  # a new, handshaken connection to a (re)started engine
        self._stdin, self._stdout = stdin, stdout
        self._initialize: dict[str, Any] | None = None
        self._initialized: bytes | None = None
        self._waiting: dict[str | int, str] = {}  # request id -> method
        self._swallow: str | None = None
        self._replays = 0
        self._from_client = b""
        self._from_engine = b""

    def run(self) -> None:
        """Relay until the client closes stdin (or stdout) and every request it sent is answered.

        A client that writes its requests and closes stdin at once (a script piping into the front)
        still gets its answers, as from the in-process server: after stdin's end the relay only
        forwards the engine's answers, until none is owed, the engine goes, or DRAIN_SECONDS pass.
        """
        selector = selectors.DefaultSelector()
        selector.register(self._stdin, selectors.EVENT_READ, "client")
        if self._engine is not None:
            selector.register(self._engine, selectors.EVENT_READ, "engine")
        drain_until: float | None = None
        try:
            while drain_until is None or (self._waiting and self._engine is not None):
                timeout = None if drain_until is None else drain_until - time.monotonic()
                if timeout is not None and timeout <= 0:
                    return
                for key, _ in selector.select(timeout):
                    if key.data == "client":
                        chunk = os.read(self._stdin, READ_CHUNK)
                        if chunk:
                            self._client_bytes(chunk, selector)
                            continue
                        selector.unregister(self._stdin)  # an unfinished last line is dropped
                        drain_until = time.monotonic() + DRAIN_SECONDS
                    elif self._engine is not None:
                        try:
                            chunk = self._engine.recv(READ_CHUNK)
                        except OSError:
                            chunk = b""
                        if chunk:
                            self._engine_bytes(chunk)
                        else:
                            self._engine_gone(selector)
        except BrokenPipeError:
            return
        finally:
            if self._engine is not None:
                self._engine.close()

    def _client_bytes(self, chunk: bytes, selector: selectors.BaseSelector) -> None:
        self._from_client += chunk
        *lines, self._from_client = self._from_client.split(b"\n")
        for line in lines:
            if line.strip():
                self._client_line(line + b"\n", selector)

    def _client_line(self, line: bytes, selector: selectors.BaseSelector) -> None:
        message = _parsed(line)
        if isinstance(message, dict) and isinstance(message.get("method"), str):
            method = message["method"]
            if method == "initialize":
                self._initialize = message
            elif method == "notifications/initialized":
                self._initialized = line
            request_id = message.get("id")
            if isinstance(request_id, str | int) and not isinstance(request_id, bool):
                self._waiting[request_id] = method
        if self._engine is None:
            self._reconnect(selector, line)
        if self._engine is not None:
            try:
                self._engine.sendall(line)
            except OSError:
                self._engine_gone(selector)

    def _reconnect(self, selector: selectors.BaseSelector, pending: bytes) -> None:
        try:
            engine = self._connect()
        except Exception as exc:
            message = _parsed(pending)
            if isinstance(message, dict) and "id" in message and "method" in message:
                self._waiting.pop(message["id"], None)
                self._answer_error(message["id"], f"the rust-mcp engine could not be started again: {exc}")
            return
        self._engine = engine
        selector.register(engine, selectors.EVENT_READ, "engine")
        pending_message = _parsed(pending)
        method = pending_message.get("method") if isinstance(pending_message, dict) else None
        if self._initialize is not None and method != "initialize":
            self._replays += 1
            self._swallow = f"{REPLAY_ID}-{self._replays}"
            replay = {**self._initialize, "id": self._swallow}
            engine.sendall((json.dumps(replay) + "\n").encode())
            if self._initialized is not None and method != "notifications/initialized":
                engine.sendall(self._initialized)

    def _engine_bytes(self, chunk: bytes) -> None:
        self._from_engine += chunk
        if b"\n" not in chunk:
            return
        *lines, self._from_engine = self._from_engine.split(b"\n")
        out = []
        for line in lines:
            if not line.strip():
                continue
            if self._waiting or self._swallow is not None:
                message = _parsed(line)
                if isinstance(message, dict) and "method" not in message:
                    answered = message.get("id")
                    if answered is not None and answered == self._swallow:
                        self._swallow = None
                        continue
                    if isinstance(answered, str | int):
                        self._waiting.pop(answered, None)
            out.append(line + b"\n")
        if out:
            _write_all(self._stdout, b"".join(out))

    def _engine_gone(self, selector: selectors.BaseSelector) -> None:
        if self._engine is None:
            return
        selector.unregister(self._engine)
        self._engine.close()
        self._engine = None
        self._from_engine = b""
        self._swallow = None
        waiting, self._waiting = self._waiting, {}
        for request_id, method in waiting.items():
            self._answer_error(
                request_id,
                f"the rust-mcp engine stopped while answering {method}; the next call starts it again "
                "(warm state is rebuilt)",
            )

    def _answer_error(self, request_id: str | int, message: str) -> None:
        reply = {"jsonrpc": "2.0", "id": request_id, "error": {"code": ENGINE_STOPPED, "message": message}}
        _write_all(self._stdout, (json.dumps(reply) + "\n").encode())


def _parsed(line: bytes) -> Any:
    try:
        return json.loads(line)
    except (ValueError, RecursionError):
        return None
