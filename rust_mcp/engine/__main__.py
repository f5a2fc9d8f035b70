"""`rust-mcp-engine` (and `python -m rust_mcp.engine`): serve, status, stop.

`serve` is what a front starts (detached) when no engine listens; `status` and `stop` speak to every
engine in this user's private directory (one per build and relevant environment).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Any

from .handshake import control_request, parse_answer
from .identity import build_identity, engine_key, handshake_identity, relevant_environment
from .place import EngineFiles, PlaceRefused, private_dir

IDLE_ENV = "RUST_MCP_ENGINE_IDLE_MINUTES"
MEMORY_ENV = "RUST_MCP_ENGINE_MAX_MEMORY_MB"


def default_memory_mb() -> float:
    """Half the machine's memory: what the engine's rust-analyzers may hold together by default."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 1024 / 2
    except (OSError, ValueError, IndexError):
        pass
    return 8192.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rust-mcp-engine",
        description="The per-user engine behind cargo-mcp and rust-analyzer-mcp (started by them on demand).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the engine for this build and environment")
    serve.add_argument(
        "--idle-minutes",
        type=float,
        default=float(os.environ.get(IDLE_ENV) or 30),
        help=f"exit after this long without a session (default: ${IDLE_ENV}, else 30)",
    )
    serve.add_argument(
        "--max-memory-mb",
        type=float,
        default=float(os.environ.get(MEMORY_ENV) or default_memory_mb()),
        help=f"rust-analyzers' memory together, beyond which the least recently used one is stopped "
        f"(default: ${MEMORY_ENV}, else half the machine's memory)",
    )
    serve.add_argument("--key", default=None, help=argparse.SUPPRESS)
    for name, text in (("status", "show each running engine"), ("stop", "stop every running engine")):
        command = commands.add_parser(name, help=text)
        command.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _serve(idle_minutes: float, key: str | None, max_memory_mb: float) -> int:
    from rust_mcp.core.masked_paths import keep_private
    from rust_mcp.mcp.log_limit import limit_log_output
    from rust_mcp.mcp.transports import watch_children_with_pidfds

    from .reaper import become_subreaper
    from .server import Engine

    identity, env = build_identity(), relevant_environment()
    directory = private_dir()
    files = EngineFiles(directory, key or engine_key(identity, env))
    files.check_socket_length()
    keep_private(Path(directory))  # no sandboxed build script or proc macro may reach the socket
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    limit_log_output()
    watch_children_with_pidfds()
    become_subreaper()  # what a run daemonizes stays the engine's to kill (reaper.py)
    os.chdir("/")
    engine = Engine(files, handshake_identity(identity, env), idle_minutes * 60, max_memory_mb)
    asyncio.run(engine.run())
    return 0


def ask_every_engine(command: str) -> list[dict[str, Any]]:
    """The answers of every engine listening in the private directory to a control command."""
    answers: list[dict[str, Any]] = []
    directory = private_dir()
    for name in sorted(os.listdir(directory)):
        if name.startswith(".") or not name.endswith(".sock"):
            continue
        path = os.path.join(directory, name)
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                client.settimeout(10)
                client.connect(path)
                client.sendall(control_request(command))
                line = b""
                while not line.endswith(b"\n") and (chunk := client.recv(65536)):
                    line += chunk
            answers.append(parse_answer(line))
        except (OSError, ValueError):
            continue  # a socket nobody listens on any more
    return answers


def describe(answer: dict[str, Any], verb: str) -> str:
    """An engine's status answer as lines for a person."""
    sessions: list[dict[str, Any]] = answer.get("sessions") or []
    lines = [
        f"{verb} pid {answer['pid']}: up {answer['uptime_seconds']} s, {len(sessions)} session(s), "
        f"{answer['processes']} process(es), {answer['memory_mb']} MB; socket {answer['socket']}"
    ]
    for analyzer in answer.get("rust_analyzers") or []:
        lines.append(
            f"  rust-analyzer pid {analyzer['pid']} in {analyzer['workspace']}: {analyzer['rss_mb']} MB"
        )
    for session in sessions:
        lines.append(
            f"  session {session['session']}: {session['server']} in {session['cwd']} "
            f"(front pid {session['front_pid']}, {session['seconds']} s)"
        )
    return "\n".join(lines)


def _report(command: str, as_json: bool) -> int:
    answers = ask_every_engine(command)
    if as_json:
        print(json.dumps(answers, indent=2))
        return 0
    if not answers:
        print(f"no engine is running (directory {private_dir()})")
    for answer in answers:
        print(describe(answer, "stopping" if command == "stop" else "engine"))
    return 0


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            sys.exit(_serve(args.idle_minutes, args.key, args.max_memory_mb))
        sys.exit(_report(args.command, args.json))
    except PlaceRefused as exc:
        sys.exit(f"rust-mcp-engine: {exc}")


if __name__ == "__main__":
    main()
