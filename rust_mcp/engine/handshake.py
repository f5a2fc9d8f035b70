"""The first line on an engine connection, and the engine's answer (standard library only).

A front sends one JSON line: {"protocol", "identity", "server": "cargo" | "rust-analyzer", "argv",
"cwd"}; a control client sends {"protocol", "control": "status" | "stop" | "drain"}. The engine
answers one JSON line: {"ok": true, ...} and then (for a front) the MCP session's bytes, or
{"ok": false, "error": "...", "exit": N} and closes the connection.
"""

from __future__ import annotations

import json

TYPE_CHECKING = False  # typing itself costs a front milliseconds
if TYPE_CHECKING:
    from typing import Any

PROTOCOL = 1
SERVERS = ("cargo", "rust-analyzer")
CONTROLS = ("status", "stop", "drain")
MAX_HANDSHAKE_BYTES = 256 * 1024


class HandshakeRefused(Exception):
    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def encode(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, separators=(",", ":")) + "\n").encode()


def session_request(identity: dict[str, str], server: str, argv: list[str], cwd: str) -> bytes:
    return encode({"protocol": PROTOCOL, "identity": identity, "server": server, "argv": argv, "cwd": cwd})


def control_request(command: str) -> bytes:
    return encode({"protocol": PROTOCOL, "control": command})


def parse_request(line: bytes, identity: dict[str, str]) -> dict[str, Any]:
    """The checked handshake, or HandshakeRefused naming what is wrong and what is expected."""
    try:
        message = json.loads(line)
    except ValueError as exc:
        raise HandshakeRefused(f"the handshake is not JSON: {exc}") from exc
    if not isinstance(message, dict):
        raise HandshakeRefused("the handshake must be a JSON object")
    if message.get("protocol") != PROTOCOL:
        raise HandshakeRefused(
            f"engine protocol {message.get('protocol')!r} is not this engine's ({PROTOCOL}); upgrade both"
        )
    if "control" in message:
        if message["control"] not in CONTROLS:
            raise HandshakeRefused(f"control {message['control']!r} is not one of {', '.join(CONTROLS)}")
        return message
    if message.get("identity") != identity:
        raise HandshakeRefused(
            f"this engine runs build and environment {identity} and the front {message.get('identity')}; "
            "a front only uses an engine of its own build and environment"
        )
    if message.get("server") not in SERVERS:
        raise HandshakeRefused(f"server {message.get('server')!r} is not one of {', '.join(SERVERS)}")
    argv, cwd = message.get("argv"), message.get("cwd")
    if not isinstance(argv, list) or not all(isinstance(item, str) for item in argv):
        raise HandshakeRefused("argv must be a list of strings")
    if not isinstance(cwd, str) or not cwd.startswith("/"):
        raise HandshakeRefused(f"cwd {cwd!r} must be an absolute path")
    return message


def parse_answer(line: bytes) -> dict[str, Any]:
    try:
        answer = json.loads(line)
    except ValueError as exc:
        raise HandshakeRefused(f"the engine's answer is not JSON: {line[:200]!r}") from exc
    if not isinstance(answer, dict):
        raise HandshakeRefused(f"the engine's answer is not a JSON object: {line[:200]!r}")
    if not answer.get("ok"):
        code = answer.get("exit")
        said = str(answer.get("error", "the engine refused"))
        raise HandshakeRefused(said, code if isinstance(code, int) else 1)
    return answer
