"""The operator's flags for the limits inside the sandbox (both servers take them)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

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


def add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        PROCESS_FLAG,
        type=_typed(parse_count, PROCESS_FLAG),
        default=None,
        metavar="N",
        help="processes and threads one sandbox may run at once (default: 64 per CPU, at least 4096; "
        "0: no limit; not enforced for a server run as root)",
    )
    parser.add_argument(
        MEMORY_FLAG,
        type=_typed(parse_size, MEMORY_FLAG),
        default=None,
        metavar="SIZE",
        help="memory each sandboxed process may allocate, e.g. 8G (default: rust-analyzer the "
        "machine's RAM, at least 8G; cargo runs three quarters of it, at least 4G; 0: no limit)",
    )
    parser.add_argument(
        TMP_FLAG,
        type=_typed(parse_size, TMP_FLAG),
        default=None,
        metavar="SIZE",
        help="size of each sandbox's private, RAM-backed /tmp (default 1G; 0: no limit)",
    )


def limit_choice(args: argparse.Namespace) -> LimitChoice:
    return LimitChoice(
        processes=args.sandbox_processes, memory=args.sandbox_memory, tmp=args.sandbox_tmp_size
    )
