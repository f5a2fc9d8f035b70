"""`cargo-mcp serve` (what Codex's `[mcp_servers.cargo]` starts) and `cargo-mcp doctor`.

`serve` is relayed to the per-user engine (rust_mcp.engine) unless --engine off, RUST_MCP_ENGINE=off,
--transport http or --help; this module's top level imports only the engine's light front, so a
relaying front never loads the MCP SDK. `prepare` turns argv into a built server, for this process
and for the engine alike.
"""

from __future__ import annotations

import sys

from rust_mcp.engine.front import run_front, wants_in_process

TYPE_CHECKING = False  # typing itself costs a relaying front milliseconds
if TYPE_CHECKING:
    import argparse
    from pathlib import Path
    from typing import Any

    from mcp.server.mcpserver import MCPServer

    from rust_mcp.mcp.connections import ConnectionMemory


def _parser() -> argparse.ArgumentParser:
    import argparse

    from rust_mcp.mcp.containment_arguments import add_containment_arguments
    from rust_mcp.mcp.transports import (
        add_answer_deadline,
        add_operator_arguments,
        add_root_argument,
        add_sandbox_argument,
        add_seconds,
        add_toolchain_argument,
        add_transport_arguments,
    )

    parser = argparse.ArgumentParser(
        prog="cargo-mcp", description="MCP server running whitelisted cargo commands"
    )
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="serve MCP (default)")
    add_root_argument(serve, "act in")
    add_toolchain_argument(serve, "CARGO_MCP_DEFAULT_TOOLCHAIN")
    add_seconds(serve, "--default-timeout", 600, "a call's timeout when it names none")
    add_seconds(serve, "--max-timeout", 3600, "upper bound for a call's timeout_secs")
    add_answer_deadline(
        serve,
        "CARGO_MCP_ANSWER_DEADLINE",
        50.0,
        "every build, test or check answers by then; one still running goes on in the background and "
        "the same call again gets its result; 0 waits for every run",
    )
    serve.add_argument(
        "--allow-env",
        action="append",
        default=[],
        metavar="PATTERN",
        help="allow cargo_env names that are refused by default (glob, repeatable)",
    )
    add_operator_arguments(
        serve,
        log_dir="where full logs go",
        no_confirm="do not ask the user before cargo_clean, cargo_remove and cargo_clippy_fix, even "
        "when the client can ask",
    )
    serve.add_argument(
        "--rustc-wrapper",
        metavar="PROGRAM",
        help="compiler cache for every cargo run, e.g. sccache (RUSTC_WRAPPER; calls cannot set it)",
    )
    serve.add_argument(
        "--wrapper-cache-dir",
        metavar="DIR",
        help="the cache's directory (default $SCCACHE_DIR, else ~/.cache/sccache); each workspace's "
        "builds use a cache of their own in it (by-workspace/<name>-<hash>)",
    )
    add_containment_arguments(serve)
    add_transport_arguments(serve, "CARGO_MCP_AUTH_TOKEN")
    doctor = commands.add_parser("doctor", help="check cargo, rustup, toolchains and the sandbox")
    add_sandbox_argument(doctor)
    return parser


def prepare(argv: list[str], cwd: Path) -> tuple[MCPServer[Any], argparse.Namespace, ConnectionMemory]:
    """The server `cargo-mcp serve ARGV` runs, with relative paths (and the default root) taken
    from `cwd`; exits (SystemExit) with the message the command line would print."""
    from pathlib import Path

    from rust_mcp.core.containment import OperatorGrants
    from rust_mcp.core.masked_paths import keep_private
    from rust_mcp.core.roots import AllowedRoots, from_base
    from rust_mcp.mcp.connections import ConnectionMemory
    from rust_mcp.mcp.containment_arguments import fetch_hosts, limit_choice
    from rust_mcp.mcp.transports import checked_toolchain, require_sandbox_at_start

    from .server import build_server
    from .settings import CargoSettings, default_log_dir

    arguments = argv if argv[:1] == ["serve"] else ["serve", *argv]
    args = _parser().parse_args(arguments)
    checked_toolchain(args.default_toolchain, "cargo-mcp")
    try:
        roots = AllowedRoots.from_strings(args.root, allow_home=args.allow_home_root, cwd=cwd)
        compiler_cache = None
        if args.rustc_wrapper:
            from .compiler_cache import resolve_wrapper

            cache_dir = from_base(args.wrapper_cache_dir, cwd) if args.wrapper_cache_dir else None
            program = from_base(args.rustc_wrapper, cwd) if "/" in args.rustc_wrapper else args.rustc_wrapper
            compiler_cache = resolve_wrapper(program, cache_dir)
    except ValueError as exc:
        sys.exit(f"cargo-mcp: {exc}")
    settings = CargoSettings(
        roots=roots,
        default_toolchain=args.default_toolchain,
        default_timeout=args.default_timeout,
        answer_deadline=args.answer_deadline if args.answer_deadline > 0 else None,
        max_timeout=args.max_timeout,
        allowed_env=tuple(args.allow_env),
        log_dir=Path(from_base(str(args.log_dir), cwd)) if args.log_dir else default_log_dir(),
        confirm_destructive=not args.no_confirm,
        sandbox=args.sandbox,
        compiler_cache=compiler_cache,
        grants=compiler_cache.grants() if compiler_cache is not None else OperatorGrants(),
        limits=limit_choice(args),
        fetch_hosts=fetch_hosts(args),
    )
    keep_private(settings.log_dir)
    require_sandbox_at_start(args.sandbox, "cargo-mcp")
    memory = ConnectionMemory()  # serve() or the engine says whether it has one client
    return build_server(settings, memory), args, memory


def main(argv: list[str] | None = None) -> None:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not wants_in_process(arguments):
        status = run_front("cargo", "cargo-mcp", arguments)
        if status is not None:  # None: no engine could be reached, so serve here
            sys.exit(status)
    if arguments[:1] == ["doctor"] or arguments[:1] in (["-h"], ["--help"]):
        from rust_mcp.dev.doctor import run_cargo_doctor

        sys.exit(run_cargo_doctor(_parser().parse_args(arguments).sandbox))
    from pathlib import Path

    from rust_mcp.mcp.transports import serve

    server, args, memory = prepare(arguments, Path.cwd())
    serve(server, args, memory)


if __name__ == "__main__":
    main()
