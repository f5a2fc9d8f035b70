"""Connecting a front to its engine, starting the engine when none listens (standard library only).

Two fronts starting at once get one engine: the starter holds an exclusive flock on the engine's
lock file, looks again, and only then starts the engine (detached: its own session, stdin
/dev/null, output to its log, not a child of the front) and waits for its socket.
"""

from __future__ import annotations

import _socket as socket  # the socket module's enum set-up costs a front milliseconds
import fcntl
import os
import stat
import sys
import time

from .place import EngineFiles

START_SECONDS = 30.0
LOCK_SECONDS = 40.0


class EngineUnavailable(Exception):
    """No engine could be reached or started; the message says why and where its log is."""


def connect(files: EngineFiles) -> socket.socket | None:
    """A connection to the engine listening on the socket, or None when none listens."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect(files.socket)
    except (FileNotFoundError, ConnectionRefusedError):
        client.close()
        return None
    except OSError:
        client.close()
        raise
    return client


def connect_or_start(files: EngineFiles) -> socket.socket:
    found = connect(files)
    if found is not None:
        return found
    files.check_socket_length()
    lock_fd = open_private(files.lock, os.O_RDWR, "lock")
    try:
        _lock(lock_fd, files)
        found = connect(files)  # another front may have started it while we waited
        if found is not None:
            return found
        if os.path.lexists(files.socket):
            os.unlink(files.socket)  # nobody listens on it, and nobody else is starting an engine
        start_engine(files)
        return _wait_for_socket(files)
    finally:
        os.close(lock_fd)  # releases the flock


def open_private(path: str, flags: int, what: str) -> int:
    """A descriptor of the engine's own file `path` (created 0600 when absent): never through a
    link, never waited on (a FIFO planted there), only a regular file; else EngineUnavailable."""
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK, 0o600)
    except OSError as exc:
        raise EngineUnavailable(
            f"cannot open the engine {what} {path} ({exc.strerror or exc}); it must be a regular file, "
            "not a link or FIFO: remove it"
        ) from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise EngineUnavailable(f"the engine {what} {path} is not a regular file; remove it")
    os.set_blocking(fd, True)
    return fd


def _lock(fd: int, files: EngineFiles) -> None:
    deadline = time.monotonic() + LOCK_SECONDS
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise EngineUnavailable(
                    f"another process holds {files.lock} for over {LOCK_SECONDS:.0f} s while starting "
                    f"the engine; see {files.log}"
                ) from None
            time.sleep(0.02)


def engine_command(files: EngineFiles) -> list[str]:
    return [sys.executable, "-m", "rust_mcp.engine", "serve", "--key", files.key]


def start_engine(files: EngineFiles) -> None:
    """Start the engine detached: a grandchild in a new session, so it outlives the front and is
    never the front's zombie."""
    log_fd = open_private(files.log, os.O_WRONLY | os.O_APPEND, "log")
    argv = engine_command(files)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            os.setsid()
            if os.fork() == 0:
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)
                os.dup2(log_fd, 1)
                os.dup2(log_fd, 2)
                os.chdir("/")
                os.execv(argv[0], argv)
        finally:
            os._exit(0)
    os.close(log_fd)
    os.waitpid(pid, 0)


def _wait_for_socket(files: EngineFiles) -> socket.socket:
    deadline = time.monotonic() + START_SECONDS
    delay = 0.005
    while time.monotonic() < deadline:
        found = connect(files)
        if found is not None:
            return found
        time.sleep(delay)
        delay = min(delay * 1.5, 0.1)
    raise EngineUnavailable(
        f"the engine did not open {files.socket} within {START_SECONDS:.0f} s; its log: {files.log}"
        f"{_log_tail(files)}"
    )


def _log_tail(files: EngineFiles) -> str:
    try:
        with open(files.log, "rb") as log:
            log.seek(max(0, os.fstat(log.fileno()).st_size - 1500))
            return "\n" + log.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
