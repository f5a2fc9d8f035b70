"""The engine: an asyncio unix-socket server that serves MCP sessions for one user.

Each connection: the peer's uid (SO_PEERCRED) must be ours, else it is refused and logged; one
handshake line (handshake.py) names the build, the server, argv and cwd, or a control command;
then one MCP session is served on the connection until the front closes it, which cancels the
session's calls. The engine exits after `idle_seconds` without sessions, on `stop`, on SIGTERM,
and (after draining its sessions) when a newer build of the same install takes over or its socket
path is taken by another engine; on the way out it kills every process it started, and those it
adopted as their reaper (reaper.py: a daemon a build script left behind).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import time
from pathlib import Path
from typing import Any

from .confinement import PeerExited, peer_credentials, peer_difference
from .descendants import descendants, kill_descendants
from .handshake import MAX_HANDSHAKE_BYTES, HandshakeRefused, control_request, encode, parse_request
from .launch import EngineUnavailable, open_private
from .place import EngineFiles
from .reaper import reap_adopted
from .sessions import Session, build_session_server

logger = logging.getLogger("rust_mcp.engine")
HANDSHAKE_SECONDS = 10.0
MAX_LINE_BYTES = 64 * 1024 * 1024
LOG_LIMIT_BYTES = 4 * 1024 * 1024


class Engine:
    def __init__(
        self,
        files: EngineFiles,
        identity: dict[str, str],
        idle_seconds: float,
        max_memory_mb: float | None = None,
    ) -> None:
        self.files = files
        self.identity = identity
        self.idle_seconds = idle_seconds
        self.max_memory_mb = max_memory_mb
        self.sessions: dict[int, Session] = {}
        self.started = time.time()
        self._numbers = 0
        self._idle_since = time.monotonic()
        self._stop = asyncio.Event()
        self._draining = False
        self._inode: int | None = None
        self._listener: asyncio.AbstractServer | None = None

    # -- running -----------------------------------------------------------------------------------

    async def run(self) -> None:
        from ra_mcp.workspace import shared_pools

        # rust-analyzers outlive the session that started them, so the next session finds them warm;
        # one left without a session for the engine's idle time is stopped, and over max_memory_mb
        # together the least recently used one is stopped
        shared_pools.keep_warm_after_sessions(idle_seconds=self.idle_seconds, max_rss_mb=self.max_memory_mb)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(sig, self._stop.set)
        await self._listen()
        logger.info("engine %s serving on %s (pid %d)", self.files.key, self.files.socket, os.getpid())
        await loop.run_in_executor(None, self._retire_older_builds)
        watch = asyncio.create_task(self._watch())
        await self._stop.wait()
        watch.cancel()
        await self._shut_down()

    async def _listen(self) -> None:
        """Bind a fresh socket and move it over the socket path in one rename, so a front sees the
        old engine or this one, never no socket."""
        temporary = Path(self.files.directory) / f".{self.files.key}.{os.getpid()}.sock"
        temporary.unlink(missing_ok=True)
        self._listener = await asyncio.start_unix_server(
            self._connection, path=str(temporary), limit=MAX_LINE_BYTES
        )
        os.chmod(temporary, 0o600)
        self._inode = os.stat(temporary).st_ino
        os.rename(temporary, self.files.socket)

    async def _watch(self) -> None:
        every = max(0.2, min(5.0, self.idle_seconds / 4))
        while True:
            await asyncio.sleep(every)
            reap_adopted()  # orphans of daemonizing runs that have exited (reaper.py)
            if not self._draining and not self._socket_is_ours():
                logger.info("socket %s taken over by another engine: draining", self.files.socket)
                self.drain()
            if self.sessions:
                self._idle_since = time.monotonic()
            elif self._draining or time.monotonic() - self._idle_since > self.idle_seconds:
                logger.info("no session for %.0f s: exiting", time.monotonic() - self._idle_since)
                self._stop.set()
            _bound_log(Path(self.files.log))

    def _socket_is_ours(self) -> bool:
        try:
            return os.stat(self.files.socket).st_ino == self._inode
        except OSError:
            return False

    def drain(self) -> None:
        """Take no new sessions; exit when the last one ends."""
        self._draining = True
        if self._listener is not None:
            self._listener.close()
        if self._socket_is_ours():
            Path(self.files.socket).unlink(missing_ok=True)

    def _retire_older_builds(self) -> None:
        """Ask engines of other builds of this install and environment to drain (an upgrade)."""
        place, _, _ = self.files.key.partition("-")
        for other in Path(self.files.directory).glob(f"{place}-*.sock"):
            if str(other) == self.files.socket:
                continue
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                    client.settimeout(5)
                    client.connect(str(other))
                    client.sendall(control_request("drain"))
                    client.recv(4096)
                logger.info("asked the older engine at %s to drain", other)
            except OSError:
                continue

    async def _shut_down(self) -> None:
        self.drain()
        tasks = [s.task for s in self.sessions.values() if s.task is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=15)
        from ra_mcp.workspace import shared_pools

        with contextlib.suppress(Exception):
            await asyncio.wait_for(shared_pools.close_all(), 15)
        left = await asyncio.get_running_loop().run_in_executor(None, kill_descendants)
        logger.info("engine exits (%d process(es) left by sessions were killed)", left)

    # -- connections -------------------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._serve_connection(reader, writer)
        except Exception:
            logger.exception("a connection failed")
        finally:
            writer.close()

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        pid, uid, _ = peer_credentials(writer.get_extra_info("socket"))
        if uid != os.getuid():
            logger.warning("refused a connection from pid %d of uid %d (only uid %d)", pid, uid, os.getuid())
            writer.write(encode({"ok": False, "error": f"uid {uid} may not use uid {os.getuid()}'s engine"}))
            return
        connection = writer.get_extra_info("socket")
        try:
            confined = await asyncio.get_running_loop().run_in_executor(None, peer_difference, connection)
        except PeerExited as exc:
            confined = str(exc)
        if confined is not None:  # e.g. a front in an agent's sandbox: it serves in its own process
            logger.warning("served no session to a front confined otherwise: %s", confined)
            refusal = f"this front runs confined otherwise than the engine: {confined}; serve in-process"
            writer.write(encode({"ok": False, "error": refusal, "serve_here": True}))
            return
        try:
            line = await asyncio.wait_for(reader.readuntil(b"\n"), HANDSHAKE_SECONDS)
            if len(line) > MAX_HANDSHAKE_BYTES:
                raise HandshakeRefused(f"the handshake is longer than {MAX_HANDSHAKE_BYTES} bytes")
            request = parse_request(line, self.identity)
            if "control" in request:
                writer.write(encode(self._control(request["control"])))
                await writer.drain()
                return
            if self._draining:
                raise HandshakeRefused("this engine is draining; connect again to reach the new one")
            server = build_session_server(request["server"], request["argv"], request["cwd"])
        except HandshakeRefused as refusal:
            writer.write(encode({"ok": False, "error": str(refusal), "exit": refusal.exit_code}))
            return
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            return
        self._numbers += 1
        session = Session(self._numbers, request["server"], request["argv"], request["cwd"], pid)
        session.task = asyncio.current_task()
        self.sessions[session.number] = session
        described = f"{session.server} {' '.join(session.argv)} in {session.cwd} (front pid {pid})"
        logger.info("session %d opened: %s", session.number, described)
        try:
            writer.write(encode({"ok": True, "engine_pid": os.getpid(), "session": session.number}))
            from rust_mcp.mcp.stdio import serve_stream_pair

            await serve_stream_pair(server, reader, writer)
        finally:
            del self.sessions[session.number]
            self._idle_since = time.monotonic()
            logger.info("session %d closed", session.number)

    def _control(self, command: str) -> dict[str, Any]:
        if command == "stop":
            self._stop.set()
        elif command == "drain":
            self.drain()
        return {"ok": True, **self.status()}

    def status(self) -> dict[str, Any]:
        tree = descendants()
        # rust-analyzer itself: not its proc-macro server ("rust-analyzer-p…", the name cut at 15
        # characters) nor a child it has forked and not yet exec'd (same name, parent rust-analyzer)
        named = {p.pid for p in tree if p.name == "rust-analyzer"}
        analyzers = [p for p in tree if p.pid in named and p.parent not in named]
        return {
            "pid": os.getpid(),
            "socket": self.files.socket,
            "log": self.files.log,
            "uptime_seconds": round(time.time() - self.started, 1),
            "draining": self._draining,
            "sessions": [s.describe() for s in self.sessions.values()],
            "rust_analyzers": [
                {"pid": p.pid, "workspace": p.cwd, "rss_mb": p.rss_kb // 1024} for p in analyzers
            ],
            "processes": len(tree),
            "memory_mb": sum(p.rss_kb for p in tree) // 1024,
        }


def _bound_log(log: Path) -> None:
    """Keep the log (the engine's stderr, opened for appending) under LOG_LIMIT_BYTES: its last
    quarter moves to <log>.1 and the log starts again."""
    try:
        if os.fstat(2).st_size <= LOG_LIMIT_BYTES or os.fstat(2).st_ino != os.stat(log).st_ino:
            return
        with open(open_private(str(log), os.O_RDONLY, "log"), "rb") as current:
            current.seek(-LOG_LIMIT_BYTES // 4, os.SEEK_END)
            tail = current.read()
        with open(open_private(f"{log}.1", os.O_WRONLY | os.O_TRUNC, "log"), "wb") as previous:
            previous.write(tail)
        os.ftruncate(2, 0)
    except (OSError, EngineUnavailable):  # a link or FIFO planted at <log>.1 is left alone
        return
