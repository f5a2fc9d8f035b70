"""The operator's flags for what sandboxed runs may use: the limits inside the sandbox, and the
private addresses the dependency fetch may reach (both servers take them)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from rust_mcp.core.fetch_hosts import ALLOW_ALL_FLAG, ALLOW_HOST_FLAG, FetchHosts
from rust_mcp.core.sandbox_limits import (
    MEMORY_FLAG,
    PROCESS_FLAG,
    TMP_FLAG,
    LimitChoice,
    parse_count,
    parse_size,
)


def _typed(parse: Callable[[str], int], name: str) -> Callable[[str], int]:
    def convert(text: str) -> int:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{name}: {exc}") from exc

    return convert


# the sandbox limits: (flag, parser of its value, metavar, help)
LIMIT_FLAGS: tuple[tuple[str, Callable[[str], int], str, str], ...] = (
    (
        PROCESS_FLAG,
        parse_count,
        "N",
        "processes and threads one sandbox may run at once (default: 64 per CPU, at least 4096; "
        "0: no limit; a server run as root uses a pids cgroup)",
    ),
    (
        MEMORY_FLAG,
        parse_size,
        "SIZE",
        "memory each sandboxed process may allocate, e.g. 8G (default: rust-analyzer the "
        "machine's RAM, at least 8G; cargo runs three quarters of it, at least 4G; 0: no limit)",
    ),
    (
        TMP_FLAG,
        parse_size,
        "SIZE",
        "size of each sandbox's private, RAM-backed /tmp (default 1G; 0: no limit)",
    ),
)


def add_containment_arguments(parser: argparse.ArgumentParser) -> None:
    for flag, parse, metavar, help_text in LIMIT_FLAGS:
        parser.add_argument(flag, type=_typed(parse, flag), default=None, metavar=metavar, help=help_text)
    parser.add_argument(
        ALLOW_ALL_FLAG,
        action="store_true",
        help="let the dependency fetch contact loopback, link-local and private addresses that a "
        "project's manifests name (git, registry-index); refused by default",
    )
    parser.add_argument(
        ALLOW_HOST_FLAG,
        action="append",
        default=[],
        metavar="HOST",
        help="the same for one host name or address (repeatable), e.g. a company git server",
    )


def limit_choice(args: argparse.Namespace) -> LimitChoice:
    return LimitChoice(
        processes=args.sandbox_processes, memory=args.sandbox_memory, tmp=args.sandbox_tmp_size
    )


def fetch_hosts(args: argparse.Namespace) -> FetchHosts:
    return FetchHosts(allow_private=args.allow_private_fetch, allowed_hosts=tuple(args.allow_fetch_host))
