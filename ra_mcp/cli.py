"""`rust-analyzer-mcp` (what Codex's `[mcp_servers.rust-analyzer]` starts) and `rust-analyzer-mcp doctor`.

Serving is relayed to the per-user engine (rust_mcp.engine) unless --engine off, RUST_MCP_ENGINE=off,
--transport http or --help; this module's top level imports only the engine's light front, so a
relaying front never loads the MCP SDK. `prepare` turns argv into a built server, for this process
and for the engine alike.
"""

from __future__ import annotations

import sys

from rust_mcp.engine.front import option_value, run_front, wants_in_process

START_ON_CALL = "--start-on-call"

TYPE_CHECKING = False  # typing itself costs a relaying front milliseconds
if TYPE_CHECKING:
    import argparse
    from pathlib import Path
    from typing import Any

    from mcp.server.mcpserver import MCPServer

    from rust_mcp.mcp.connections import ConnectionMemory

    from .settings import AnalyzerSettings

READY_MARGIN = 5.0  # seconds kept, before the answer deadline, for answering "still indexing"


def _parser() -> argparse.ArgumentParser:
    import argparse

    from rust_mcp.mcp import transports
    from rust_mcp.mcp.containment_arguments import add_containment_arguments

    parser = argparse.ArgumentParser(
        prog="rust-analyzer-mcp",
        description="MCP server answering questions about Rust code with rust-analyzer. "
        "`rust-analyzer-mcp doctor` checks the installation.",
    )
    parser.add_argument(
        "workspace", nargs="?", help="a workspace to allow and use by default (also a --root)"
    )
    transports.add_root_argument(parser, "read and edit")
    parser.add_argument(
        "--rust-analyzer",
        default=None,
        metavar="PATH",
        help="rust-analyzer binary (default: $RUST_ANALYZER, PATH, /usr/bin/rust-analyzer)",
    )
    transports.add_toolchain_argument(parser, "RUST_ANALYZER_MCP_DEFAULT_TOOLCHAIN")
    parser.add_argument("--max-workspaces", type=int, default=3, help="rust-analyzers kept running at once")
    transports.add_seconds(
        parser, "--idle-minutes", 30, "stop a workspace's rust-analyzer after this long unused", float
    )
    parser.add_argument(
        "--ready-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how long a call waits for indexing before 'still indexing', within the answer deadline "
        f"(default: the answer deadline less {READY_MARGIN:.0f} s, so 45 with the default deadline)",
    )
    transports.add_seconds(
        parser,
        "--proc-macro-timeout",
        60,
        "one proc-macro expansion, after which rust-analyzer is restarted with that macro ignored",
        float,
    )
    transports.add_seconds(
        parser,
        "--check-timeout",
        300,
        "default bound on the cargo check diagnostics wait for; a check running longer with no call "
        "waiting is cancelled",
    )
    transports.add_answer_deadline(
        parser,
        "RUST_ANALYZER_MCP_ANSWER_DEADLINE",
        50.0,
        "every call answers by then, with what is known; a cargo check still running goes on in the "
        "background",
    )
    parser.add_argument(
        START_ON_CALL,
        action="store_true",
        help="start rust-analyzer when a call first needs it (default: when a session starts, on the "
        "default workspace, so the first call finds it loading)",
    )
    transports.add_operator_arguments(
        parser,
        log_dir="where whole diffs of cut previews go",
        no_confirm="write edits with apply=true without asking the user, even when the client can",
    )
    add_containment_arguments(parser)
    transports.add_transport_arguments(parser, "RUST_ANALYZER_MCP_AUTH_TOKEN")
    return parser


def ready_seconds(args: argparse.Namespace) -> float:
    """How long a call waits for a cold workspace's indexing: `--ready-timeout`, else as long as the
    answer deadline allows (a README-registered Codex, deadline 280 s, waits for indexing instead of
    hearing "still indexing" after 45 s of its 300)."""
    if args.ready_timeout is not None:
        return float(args.ready_timeout)
    return max(1.0, float(args.answer_deadline) - READY_MARGIN)


def configure(argv: list[str], cwd: Path) -> tuple[AnalyzerSettings, argparse.Namespace]:
    """The settings `rust-analyzer-mcp ARGV` runs with and its parsed command line, with relative
    paths (and the default root) taken from `cwd`; exits (SystemExit) with the message the command
    line would print. Imports nothing of the MCP SDK (early_start.py starts rust-analyzer with these
    settings before the SDK is imported)."""
    from pathlib import Path

    from rust_mcp.core.masked_paths import keep_private
    from rust_mcp.core.roots import AllowedRoots, from_base
    from rust_mcp.mcp import transports
    from rust_mcp.mcp.containment_arguments import fetch_hosts, limit_choice

    from .settings import AnalyzerSettings, PoolSettings

    args = _parser().parse_args(argv[1:] if argv[:1] == ["serve"] else argv)
    roots_raw = ([args.workspace] if args.workspace else []) + args.root
    try:
        roots = AllowedRoots.from_strings(roots_raw, allow_home=args.allow_home_root, cwd=cwd)
    except ValueError as exc:
        sys.exit(f"rust-analyzer-mcp: {exc}")
    binary = args.rust_analyzer
    log_dir: dict[str, Any] = {"log_dir": Path(from_base(str(args.log_dir), cwd))} if args.log_dir else {}
    settings = AnalyzerSettings(
        roots=roots,
        rust_analyzer=from_base(binary, cwd) if binary and "/" in binary else binary,
        default_toolchain=transports.checked_toolchain(args.default_toolchain, "rust-analyzer-mcp"),
        pool=PoolSettings(
            max_workspaces=args.max_workspaces,
            idle_seconds=args.idle_minutes * 60,
            ready_seconds=ready_seconds(args),
            proc_macro_seconds=args.proc_macro_timeout,
            flycheck_seconds=args.check_timeout,
        ),
        check_timeout=args.check_timeout,
        answer_deadline=args.answer_deadline,
        confirm_writes=not args.no_confirm,
        start_ahead=not args.start_on_call,
        sandbox=args.sandbox,
        limits=limit_choice(args),
        fetch_hosts=fetch_hosts(args),
        **log_dir,
    )
    keep_private(settings.log_dir)
    transports.require_sandbox_at_start(args.sandbox, "rust-analyzer-mcp")
    return settings, args


def built(settings: AnalyzerSettings) -> tuple[MCPServer[Any], ConnectionMemory]:
    """The server for `settings` and its connection memory (serve() or the engine says whether it
    has one client); imports the MCP SDK."""
    from rust_mcp.mcp.connections import ConnectionMemory

    from .server import build_server

    memory = ConnectionMemory()
    return build_server(settings, memory), memory


def prepare(argv: list[str], cwd: Path) -> tuple[MCPServer[Any], argparse.Namespace, ConnectionMemory]:
    """The server `rust-analyzer-mcp ARGV` runs (see `configure`), for this process and the engine."""
    settings, args = configure(argv, cwd)
    server, memory = built(settings)
    return server, args, memory


def main(argv: list[str] | None = None) -> None:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["doctor"]:
        import argparse

        from rust_mcp.dev.doctor import run_analyzer_doctor
        from rust_mcp.mcp import transports

        doctor = argparse.ArgumentParser(prog="rust-analyzer-mcp doctor")
        doctor.add_argument("--rust-analyzer", default=None, metavar="PATH")
        transports.add_sandbox_argument(doctor)
        options = doctor.parse_args(arguments[1:])
        sys.exit(run_analyzer_doctor(options.rust_analyzer, options.sandbox))
    if not wants_in_process(arguments):
        status = run_front("rust-analyzer", "rust-analyzer-mcp", arguments)
        if status is not None:  # None: no engine could be reached, so serve here
            sys.exit(status)
    from pathlib import Path

    if not {START_ON_CALL, "-h", "--help"} & set(arguments):  # find it while the MCP SDK is imported
        from rust_mcp.core.roots import from_base

        from .lsp import discovery_ahead

        binary = option_value(arguments, "--rust-analyzer")
        discovery_ahead.begin(from_base(binary, Path.cwd()) if binary and "/" in binary else binary)
    settings, args = configure(arguments, Path.cwd())
    if settings.start_ahead and args.transport == "stdio":  # rust-analyzer starts while the SDK loads
        from .early_start import serve_starting_ahead

        serve_starting_ahead(settings, args, built)
        return
    from rust_mcp.mcp.transports import serve

    server, memory = built(settings)
    serve(server, args, memory)


if __name__ == "__main__":
    main()
