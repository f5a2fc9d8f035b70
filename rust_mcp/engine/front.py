"""The registered commands' front: serve in this process, or relay stdio to the per-user engine.

`cargo-mcp serve` and `rust-analyzer-mcp` come here first. `doctor`, `--help`, `--transport http`,
`--engine off` and RUST_MCP_ENGINE=off go to the in-process server unchanged; everything else is
relayed to the engine for this build and environment, which builds the server from the same argv
(paths resolved against this front's working directory). Standard library only: the MCP SDK,
pydantic and anyio are never imported here, so a front starts in a few milliseconds.
"""

from __future__ import annotations

import _socket as socket  # the socket module's enum set-up costs a front milliseconds
import os
import sys
import time

from .confinement import PeerExited, peer_difference
from .handshake import HandshakeRefused, parse_answer, session_request
from .identity import build_identity, engine_key, handshake_identity, relevant_environment
from .launch import EngineUnavailable, connect_or_start
from .place import EngineFiles, PlaceRefused, private_dir

TYPE_CHECKING = False  # typing itself costs a front milliseconds
if TYPE_CHECKING:
    from typing import Any

ENGINE_ENV = "RUST_MCP_ENGINE"
MAX_ANSWER_BYTES = 64 * 1024
HANDSHAKE_ATTEMPTS = 4


def option_value(argv: list[str], flag: str) -> str | None:
    """The last value given to `flag` (`--flag VALUE` or `--flag=VALUE`), read without argparse."""
    value = None
    for index, item in enumerate(argv):
        if item == flag and index + 1 < len(argv):
            value = argv[index + 1]
        elif item.startswith(flag + "="):
            value = item.split("=", 1)[1]
    return value


def wants_in_process(argv: list[str], env: dict[str, str] | os._Environ[str] | None = None) -> bool:
    """Whether this command line is served (or answered) by this process rather than the engine."""
    env = os.environ if env is None else env
    if env.get(ENGINE_ENV, "").strip().lower() == "off":
        return True
    if argv[:1] == ["doctor"] or any(item in ("-h", "--help") for item in argv):
        return True
    return option_value(argv, "--transport") == "http" or option_value(argv, "--engine") == "off"


def engine_files() -> EngineFiles:
    identity = build_identity()
    return EngineFiles(private_dir(), engine_key(identity, relevant_environment()))


def open_session(server: str, argv: list[str], cwd: str) -> tuple[socket.socket, dict[str, Any]]:
    """(socket, answer) for a new session on this build's engine, starting it if needed. An
    engine that closes the connection before answering (it was exiting, or had just been killed
    and its socket not yet closed) is tried again, a few times."""
    for attempt in range(HANDSHAKE_ATTEMPTS):
        try:
            return _open_session(server, argv, cwd)
        except (EngineClosed, ConnectionResetError, BrokenPipeError):
            if attempt == HANDSHAKE_ATTEMPTS - 1:
                raise
            time.sleep(0.1 * (attempt + 1))
    raise AssertionError("unreachable")


class EngineClosed(EngineUnavailable):
    """The engine closed the connection before answering the handshake."""


def _open_session(server: str, argv: list[str], cwd: str) -> tuple[socket.socket, dict[str, Any]]:
    identity, env = build_identity(), relevant_environment()
    files = EngineFiles(private_dir(), engine_key(identity, env))
    engine = connect_or_start(files)
    try:
        try:
            confined = peer_difference(engine)
        except PeerExited as exc:  # it was exiting as we connected: tried again
            raise EngineClosed(f"{exc}; see {files.log}") from None
        if confined is not None:  # an engine started inside some sandbox: never relay to it
            raise EngineUnavailable(f"the engine at {files.socket} runs confined otherwise: {confined}")
        engine.sendall(session_request(handshake_identity(identity, env), server, argv, cwd))
        line = b""
        while not line.endswith(b"\n"):
            chunk = engine.recv(1 if len(line) > MAX_ANSWER_BYTES else 4096)
            if not chunk:
                raise EngineClosed(f"the engine closed the connection during the handshake; see {files.log}")
            line += chunk
        return engine, parse_answer(line)
    except BaseException:
        engine.close()
        raise


def run_front(server: str, prog: str, argv: list[str]) -> int | None:
    """Relay this process's stdio to an engine session; the exit status, or None when no engine
    can be reached or started (the caller then serves in this process, as with --engine off)."""
    from .relay import Relay

    cwd = os.getcwd()
    try:
        engine, _ = open_session(server, argv, cwd)
    except HandshakeRefused as exc:
        if exc.serve_here:
            print(f"{prog}: {exc}; serving in this process", file=sys.stderr)
            return None
        said = str(exc)
        print(said if said.startswith((prog, "usage:")) else f"{prog}: {said}", file=sys.stderr)
        return exc.exit_code
    except (EngineUnavailable, PlaceRefused, OSError) as exc:
        print(f"{prog}: no engine ({exc}); serving in this process instead", file=sys.stderr)
        return None

    def reconnect() -> socket.socket:
        return open_session(server, argv, cwd)[0]

    Relay(engine, reconnect).run()
    return 0
