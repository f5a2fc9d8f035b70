"""`rust-analyzer-mcp` (what Codex's `[mcp_servers.rust-analyzer]` starts) and `rust-analyzer-mcp doctor`."""

from __future__ import annotations

import argparse
import sys

from rust_mcp.core.masked_paths import keep_private
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.mcp import transports
from rust_mcp.mcp.containment_arguments import add_containment_arguments, fetch_hosts, limit_choice


def _parser() -> argparse.ArgumentParser:
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
    transports.add_seconds(
        parser, "--ready-timeout", 45, "how long a call waits for indexing before 'still indexing'", float
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
    transports.add_seconds(
        parser,
        "--answer-deadline",
        240,
        "every call answers by then, with what is known (keep it under the client's tool timeout); "
        "a cargo check still running goes on in the background",
        float,
    )
    transports.add_operator_arguments(
        parser,
        log_dir="where whole diffs of cut previews go",
        no_confirm="write edits with apply=true without asking the user, even when the client can",
    )
    add_containment_arguments(parser)
    transports.add_transport_arguments(parser, "RUST_ANALYZER_MCP_AUTH_TOKEN")
    return parser


def main(argv: list[str] | None = None) -> None:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["doctor"]:
        from rust_mcp.dev.doctor import run_analyzer_doctor

        doctor = argparse.ArgumentParser(prog="rust-analyzer-mcp doctor")
        doctor.add_argument("--rust-analyzer", default=None, metavar="PATH")
        transports.add_sandbox_argument(doctor)
        options = doctor.parse_args(arguments[1:])
        sys.exit(run_analyzer_doctor(options.rust_analyzer, options.sandbox))
    if arguments[:1] == ["serve"]:
        arguments = arguments[1:]
    args = _parser().parse_args(arguments)

    from rust_mcp.mcp.connections import ConnectionMemory
    from rust_mcp.mcp.transports import serve

    from .server import AnalyzerSettings, build_server
    from .settings import PoolSettings

    roots_raw = ([args.workspace] if args.workspace else []) + args.root
    try:
        roots = AllowedRoots.from_strings(roots_raw, allow_home=args.allow_home_root)
    except ValueError as exc:
        sys.exit(f"rust-analyzer-mcp: {exc}")
    settings = AnalyzerSettings(
        roots=roots,
        rust_analyzer=args.rust_analyzer,
        default_toolchain=transports.checked_toolchain(args.default_toolchain, "rust-analyzer-mcp"),
        pool=PoolSettings(
            max_workspaces=args.max_workspaces,
            idle_seconds=args.idle_minutes * 60,
            ready_seconds=args.ready_timeout,
            proc_macro_seconds=args.proc_macro_timeout,
            flycheck_seconds=args.check_timeout,
        ),
        check_timeout=args.check_timeout,
        answer_deadline=args.answer_deadline,
        confirm_writes=not args.no_confirm,
        sandbox=args.sandbox,
        limits=limit_choice(args),
        fetch_hosts=fetch_hosts(args),
        **({"log_dir": args.log_dir} if args.log_dir else {}),
    )
    keep_private(settings.log_dir)
    transports.require_sandbox_at_start(args.sandbox, "rust-analyzer-mcp")
    memory = ConnectionMemory()
    serve(build_server(settings, memory), args, memory)


if __name__ == "__main__":
    main()
