"""Listeners that record every connection made to them: a loopback TCP port and unix sockets. The
containment tests put them where hostile project code would reach for them; they should get none."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Listener:
    """A loopback TCP listener that records every connection (it should get none)."""

    port: int = 0
    connections: list[str] = field(default_factory=list)


@contextmanager
def loopback_listener() -> Iterator[Listener]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    with _recording(server) as listener:
        listener.port = server.getsockname()[1]
        yield listener


@contextmanager
def unix_listeners(paths: list[Path]) -> Iterator[Listener]:
    """The unix-socket canary: a listening socket at each path (inside the roots and outside),
    recording every connection into one Listener (it should get none)."""
    servers = []
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
        servers.append(server)
    with _recording(*servers) as listener:
        yield listener


@contextmanager
def _recording(*servers: socket.socket) -> Iterator[Listener]:
    listener = Listener()
    stop = threading.Event()

    def accept(server: socket.socket) -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            with connection:
                connection.settimeout(1.0)
                try:
                    data = connection.recv(200)
                except OSError:
                    data = b""
                listener.connections.append(data.decode(errors="replace").strip() or "(no data)")

    threads = []
    for server in servers:
        server.listen(16)
        server.settimeout(0.2)
        threads.append(threading.Thread(target=accept, args=(server,), daemon=True))
        threads[-1].start()
    try:
        yield listener
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=2)
        for server in servers:
            server.close()
