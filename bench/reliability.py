"""The reliability figures: runs the hostile-input, fault, data-loss, load, containment (hostile
crates) and hardening (reads outside the roots, HTTP under slow connections, a 1 GB sparse file)
tests against real cargo, rust-analyzer and MCP clients, with the load test at full length (60 s
unless told), and prints what they measured. Every count of bad outcomes should be zero.

    .venv/bin/python -m bench.reliability [--load-seconds 60] [--kills 8] [--sparse-mb 1024]
                                          [--only test_http_front.py ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rust_mcp.dev.figures import FIGURES_ENV, read_figures

REPO = Path(__file__).resolve().parent.parent
SUITES = [
    "tests/real/test_escapes.py",
    "tests/real/test_protocol_abuse.py",
    "tests/real/test_faults.py",
    "tests/real/test_cargo_processes.py",
    "tests/real/test_no_data_loss.py",
    "tests/real/test_load.py",
    "tests/real/test_hostile_cargo.py",
    "tests/real/test_hostile_analyzer.py",
    "tests/real/test_read_confinement.py",
    "tests/real/test_resource_bounds.py",
    "tests/real/test_http_front.py",
]
# figures that must be zero, and what each counts
MUST_BE_ZERO = [
    "escapes (not refused, or reached a process)",
    "orphan processes",
    "files lost or half-written",
    "calls answered wrongly or unclearly",
    "load: errors",
    "server crashes",
    "hostile escapes (files, connections, secrets)",
    "reads leaked",
]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--load-seconds", type=float, default=60.0)
    parser.add_argument("--kills", type=int, default=8, help="rust-analyzer kills in the 200-call session")
    parser.add_argument("--sparse-mb", type=int, default=1024, help="size of the sparse .rs file added")
    parser.add_argument(
        "--only", nargs="+", metavar="FILE", help="run only these suites (file names: test_load.py)"
    )
    args = parser.parse_args()
    suites = [suite for suite in SUITES if not args.only or Path(suite).name in args.only]
    if not suites:
        parser.error(f"--only names none of {', '.join(Path(suite).name for suite in SUITES)}")
    with tempfile.TemporaryDirectory() as scratch:
        figures_path = Path(scratch) / "figures.jsonl"
        env = {
            **os.environ,
            FIGURES_ENV: str(figures_path),
            "RUST_MCP_LOAD_SECONDS": str(args.load_seconds),
            "RUST_MCP_FAULT_KILLS": str(args.kills),
            "RUST_MCP_SPARSE_MB": str(args.sparse_mb),
        }
        started = time.monotonic()
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *suites],
            cwd=REPO,
            env=env,
            check=False,
        )
        elapsed = time.monotonic() - started
        figures = read_figures(figures_path)
    width = max(len(name) for name in figures) if figures else 10
    print(f"\nreliability figures ({elapsed:.0f} s; tests {'passed' if run.returncode == 0 else 'FAILED'})")
    for name, value in figures.items():
        print(f"  {name:<{width}}  {value}")
    bad = [name for name in MUST_BE_ZERO if figures.get(name, 0) != 0]
    missing = [name for name in MUST_BE_ZERO if name not in figures and not args.only]
    if missing:
        print(f"not measured: {', '.join(missing)}")
    print("every bad-outcome count is zero" if not bad and not missing else f"NOT ZERO: {', '.join(bad)}")
    return 0 if run.returncode == 0 and not bad and not missing else 1


if __name__ == "__main__":
    sys.exit(main())
