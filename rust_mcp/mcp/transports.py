"""Running a server: stdio or streamable HTTP (loopback by default, always behind a bearer token and
the connection and request fronts of http_connections and http_guard), with signals turned into
cancellation so every in-flight call cleans up its processes, and log output rate-limited."""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import stat
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from rust_mcp.core.masked_paths import HOME_ROOT_FLAG, keep_private
from rust_mcp.core.sandbox import SANDBOX_MODES, SandboxUnavailable, probe_sandbox
from rust_mcp.core.toolchains import ToolchainRefused, check_toolchain_name

from .http_guard import MAX_SESSIONS, HttpGuard, allowed_hosts
from .log_limit import limit_log_output

if TYPE_CHECKING:  # the MCP SDK is imported where a server is served, not to read a command line
    from mcp.server.mcpserver import MCPServer

    from .connections import ConnectionMemory

# what a server's cli.prepare returns: the built server, its parsed command line and its connection
# memory; what serve() and the engine take
Prepared = tuple["MCPServer[Any]", argparse.Namespace, "ConnectionMemory"]


def add_root_argument(parser: argparse.ArgumentParser, allowed: str) -> None:
    """--root DIR, repeatable: where the tools may `allowed` (e.g. "act in")."""
    parser.add_argument(
        "--root",
        action="append",
        default=[],
        metavar="DIR",
        help=f"directory the tools may {allowed} (repeatable; default: the current directory). "
        "Not / nor the home directory or one holding it",
    )
    parser.add_argument(
        HOME_ROOT_FLAG,
        action="store_true",
        help="allow a root that is or holds the home directory (e.g. a client started in ~); "
        "credentials in it (.ssh, .aws, .netrc, .git-credentials, ...) stay hidden from project code",
    )


def add_seconds(
    parser: argparse.ArgumentParser, flag: str, default: float, help_text: str, kind: type = int
) -> None:
    """A duration option, in minutes when the flag ends in -minutes, else in seconds; default shown."""
    unit = "MINUTES" if flag.endswith("-minutes") else "SECONDS"
    parser.add_argument(
        flag, type=kind, default=default, metavar=unit, help=f"{help_text} (default: {default})"
    )


def add_answer_deadline(
    parser: argparse.ArgumentParser, env_name: str, default: float, help_text: str
) -> None:
    """--answer-deadline SECONDS, defaulting to the environment variable `env_name`, else `default`:
    when every call answers, under the client's tool timeout (Codex's is 60 s unless set)."""
    raw = os.environ.get(env_name)
    try:
        value = float(raw) if raw else default
    except ValueError:
        shown = f"{parser.prog}: ${env_name}={raw!r} is not a number of seconds (e.g. {default:.0f})"
        parser.exit(2, shown + "\n")
    parser.add_argument(
        "--answer-deadline",
        type=float,
        default=value,
        metavar="SECONDS",
        help=f"{help_text}. Keep it under the client's tool timeout (Codex: 60 s unless "
        f"tool_timeout_sec says more) (default: ${env_name} or {default:.0f})",
    )


def add_toolchain_argument(parser: argparse.ArgumentParser, env_name: str) -> None:
    """--default-toolchain NAME, defaulting to the environment variable `env_name`."""
    parser.add_argument(
        "--default-toolchain",
        default=os.environ.get(env_name) or None,
        metavar="NAME",
        help=f"toolchain when a call names none, over a project's rust-toolchain.toml (default: ${env_name})",
    )


def checked_toolchain(name: str | None, prog: str) -> str | None:
    """The --default-toolchain value, or exit naming what is wrong with it."""
    if name:
        try:
            check_toolchain_name(name)
        except ToolchainRefused as exc:
            sys.exit(f"{prog}: default toolchain: {exc}")
    return name


def add_operator_arguments(parser: argparse.ArgumentParser, log_dir: str, no_confirm: str) -> None:
    """--log-dir, --no-confirm and --sandbox, with what each means for this server."""
    parser.add_argument("--log-dir", type=Path, default=None, help=log_dir)
    parser.add_argument("--no-confirm", action="store_true", help=no_confirm)
    add_sandbox_argument(parser)


def add_sandbox_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sandbox",
        choices=SANDBOX_MODES,
        default="auto",
        help="contain the code cargo and rust-analyzer run (build scripts, proc macros, tests): auto "
        "(default: bubblewrap where it works, else code-running tools refuse), bwrap (required: do "
        "not start without it), or off (run it with the server's permissions and network; the tools "
        "then say readOnlyHint false)",
    )


def require_sandbox_at_start(mode: str, prog: str) -> None:
    """`--sandbox bwrap` is the operator saying the sandbox is required: without a working
    bubblewrap the server does not start (`auto` starts, and its code-running tools refuse)."""
    if mode != "bwrap":
        return
    try:
        probe_sandbox("bwrap").require()
    except SandboxUnavailable as exc:
        sys.exit(f"{prog}: --sandbox bwrap: {exc}")


def add_transport_arguments(parser: argparse.ArgumentParser, token_env: str) -> None:
    group = parser.add_argument_group("transport")
    group.add_argument(
        "--transport",
        choices=["stdio", "http"],
        default="stdio",
        help="stdio (default; what Codex and Claude Code start) or streamable HTTP",
    )
    group.add_argument(
        "--engine",
        choices=["auto", "off"],
        default="auto",
        help="auto (default): relay stdio to this user's warm engine process, starting it when absent "
        "(rust-mcp-engine status / stop); off (or RUST_MCP_ENGINE=off): serve in this process",
    )
    group.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default loopback only)")
    group.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")
    group.add_argument(
        "--auth-token-env",
        default=token_env,
        metavar="NAME",
        help=f"environment variable holding the HTTP bearer token (default {token_env}); requests "
        "without `Authorization: Bearer <token>` are refused. With neither this nor --auth-token-file, "
        "a token is made and printed to stderr",
    )
    group.add_argument(
        "--auth-token-file",
        default=None,
        metavar="PATH",
        help="read the HTTP bearer token from this file (owned by you, mode 0600)",
    )
    group.add_argument(
        "--max-sessions",
        type=int,
        default=MAX_SESSIONS,
        metavar="N",
        help=f"HTTP sessions open at once (default {MAX_SESSIONS}); one more closes the least recently "
        "used idle one",
    )


async def _until_signal(main: Callable[[], Awaitable[None]]) -> None:
    async with anyio.create_task_group() as group:

        async def watch_signals() -> None:
            with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT, signal.SIGHUP) as signals:
                async for _ in signals:
                    group.cancel_scope.cancel()
                    return

        group.start_soon(watch_signals)
        await main()
        group.cancel_scope.cancel()


def http_token(args: argparse.Namespace, prog: str) -> str:
    """The bearer token HTTP requests must carry: from --auth-token-file (a file only this user can
    read), else the --auth-token-env variable, else a new one, printed once to stderr."""
    if args.auth_token_file:
        try:
            return read_token_file(Path(args.auth_token_file))
        except ValueError as exc:
            sys.exit(f"{prog}: --auth-token-file: {exc}")
    token = os.environ.get(args.auth_token_env)
    if token:
        return token
    token = secrets.token_urlsafe(32)
    print(
        f"{prog}: HTTP needs a bearer token and none was given ({args.auth_token_env} is unset), so one "
        f"was made for this run; send `Authorization: Bearer {token}`",
        file=sys.stderr,
        flush=True,
    )
    return token


def read_token_file(path: Path) -> str:
    """The token in `path`, which must be a regular file owned by this user that nobody else may
    read or write (mode 0600 or stricter)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise ValueError(f"cannot open {path}: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
            raise ValueError(
                f"{path} must be a file owned by this user that only it can read (chmod 600 {path})"
            )
        token = handle.read(4096).decode("utf-8", errors="replace").strip()
    if not token:
        raise ValueError(f"{path} is empty")
    return token


def watch_children_with_pidfds() -> None:
    """Python 3.11's asyncio waits for each child process in a thread started for it
    (ThreadedChildWatcher): a thread start and join in every cargo call. A pidfd read by the event
    loop waits without one; 3.12 and later choose it themselves, so this is for 3.11 only."""
    if sys.version_info >= (3, 12) or not hasattr(os, "pidfd_open"):
        return
    try:
        os.close(os.pidfd_open(os.getpid()))  # the kernel has pidfds (Linux 5.3)
    except OSError:
        return
    import asyncio
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        asyncio.set_child_watcher(asyncio.PidfdChildWatcher())


def before_serving(args: argparse.Namespace) -> None:
    """What a serving process sets up before its event loop starts."""
    limit_log_output()
    watch_children_with_pidfds()
    if args.auth_token_file:  # hidden from every sandbox, whatever the transport
        keep_private(Path(args.auth_token_file))


async def serve_stdio(server: MCPServer[Any], memory: ConnectionMemory) -> None:
    """Serve one client over stdio in the running event loop until it leaves or a signal comes
    (rust-analyzer-mcp runs its start ahead beside it: ra_mcp/early_start.py)."""
    from .stdio import run_stdio

    memory.one_client_per_process = True
    await _until_signal(lambda: run_stdio(server))


def serve(server: MCPServer[Any], args: argparse.Namespace, memory: ConnectionMemory) -> None:
    before_serving(args)
    if args.transport == "stdio":
        anyio.run(serve_stdio, server, memory)
        return
    token = http_token(args, server.name)
    import uvicorn  # only the HTTP transport needs it, and its connection front
    from mcp.server.transport_security import TransportSecuritySettings

    from .http_connections import ACCEPT_BACKLOG, ConnectionFront, protocol_for, raise_descriptor_limit

    front = ConnectionFront()
    front.limit_to_descriptors(raise_descriptor_limit())
    app: Any = server.streamable_http_app(
        host=args.host,
        # Host and Origin are checked by HttpGuard, on every loopback address, not only 127.0.0.1
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        max_sessions=2 * args.max_sessions,  # the guard closes idle sessions before this is reached
    )
    guarded = HttpGuard(app, token, allowed_hosts(args.host, args.port), front, args.max_sessions)
    config = uvicorn.Config(
        guarded,
        host=args.host,
        port=args.port,
        http=protocol_for(front),
        log_config=None,
        log_level="warning",
        lifespan="on",
        timeout_keep_alive=5,
        backlog=ACCEPT_BACKLOG,
    )
    uvicorn_server = uvicorn.Server(config)
    anyio.run(_until_signal, uvicorn_server.serve)
