"""`cargo-mcp serve` (what Codex's `[mcp_servers.cargo]` starts) and `cargo-mcp doctor`."""

from __future__ import annotations

import argparse
import sys

from rust_mcp.core.masked_paths import keep_private
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.mcp.containment_arguments import add_containment_arguments, fetch_hosts, limit_choice
from rust_mcp.mcp.transports import (
    add_operator_arguments,
    add_root_argument,
    add_sandbox_argument,
    add_seconds,
    add_toolchain_argument,
    add_transport_arguments,
    checked_toolchain,
    require_sandbox_at_start,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cargo-mcp", description="MCP server running whitelisted cargo commands"
    )
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="serve MCP (default)")
    add_root_argument(serve, "act in")
    add_toolchain_argument(serve, "CARGO_MCP_DEFAULT_TOOLCHAIN")
    add_seconds(serve, "--default-timeout", 600, "a call's timeout when it names none")
    add_seconds(serve, "--max-timeout", 3600, "upper bound for a call's timeout_secs")
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


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "doctor":
        from rust_mcp.dev.doctor import run_cargo_doctor

        sys.exit(run_cargo_doctor(args.sandbox))
    if args.command is None:
        args = _parser().parse_args(["serve", *(argv or sys.argv[1:])])
    from rust_mcp.core.containment import OperatorGrants
    from rust_mcp.mcp.connections import ConnectionMemory
    from rust_mcp.mcp.transports import serve

    from .server import build_server
    from .settings import CargoSettings, default_log_dir

    checked_toolchain(args.default_toolchain, "cargo-mcp")
    try:
        roots = AllowedRoots.from_strings(args.root, allow_home=args.allow_home_root)
        compiler_cache = None
        if args.rustc_wrapper:
            from .compiler_cache import resolve_wrapper

            compiler_cache = resolve_wrapper(args.rustc_wrapper, args.wrapper_cache_dir)
    except ValueError as exc:
        sys.exit(f"cargo-mcp: {exc}")
    settings = CargoSettings(
        roots=roots,
        default_toolchain=args.default_toolchain,
        default_timeout=args.default_timeout,
        max_timeout=args.max_timeout,
        allowed_env=tuple(args.allow_env),
        log_dir=args.log_dir or default_log_dir(),
        confirm_destructive=not args.no_confirm,
        sandbox=args.sandbox,
        compiler_cache=compiler_cache,
        grants=compiler_cache.grants() if compiler_cache is not None else OperatorGrants(),
        limits=limit_choice(args),
        fetch_hosts=fetch_hosts(args),
    )
    keep_private(settings.log_dir)
    require_sandbox_at_start(args.sandbox, "cargo-mcp")
    memory = ConnectionMemory()
    serve(build_server(settings, memory), args, memory)


if __name__ == "__main__":
    main()
