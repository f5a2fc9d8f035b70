"""Start to tools/list: a front with a warm engine against the in-process server (--engine off).

Each run starts the command, sends initialize, initialized and tools/list on stdin, and stops the
clock at the tools/list answer (raw pipes, no client library in the measurement). Runs are
interleaved so machine noise hits every row alike; the engine lives in a private runtime directory
and is stopped at the end. `python -c pass` is the interpreter's own floor.

    .venv/bin/python -m bench.engine_start [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import BIN, median
from rust_mcp.dev.mcp_opening import OPENING


def time_to_tools_list(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=cwd
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(OPENING)
    process.stdin.flush()
    for line in process.stdout:
        if json.loads(line).get("id") == 2:
            break
    else:
        raise RuntimeError(f"{argv[0]} ended before answering tools/list")
    elapsed = time.perf_counter() - started
    process.stdin.close()
    process.wait(timeout=60)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    runtime = Path(tempfile.mkdtemp(prefix="engb", dir="/tmp"))
    os.chmod(runtime, 0o700)
    root = Path(tempfile.mkdtemp(prefix="rust-mcp-bench-"))
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime)}
    env.pop("RUST_MCP_ENGINE", None)
    rows = {
        "python -c pass (floor)": [sys.executable, "-c", "pass"],
        "cargo-mcp, warm engine": [str(BIN / "cargo-mcp"), "serve", "--root", str(root)],
        "cargo-mcp --engine off": [str(BIN / "cargo-mcp"), "serve", "--root", str(root), "--engine", "off"],
        "rust-analyzer-mcp, warm engine": [str(BIN / "rust-analyzer-mcp"), "--root", str(root)],
        "rust-analyzer-mcp --engine off": [
            str(BIN / "rust-analyzer-mcp"),
            "--root",
            str(root),
            "--engine",
            "off",
        ],
    }
    try:
        for argv in rows.values():  # warm: the engine started, files cached
            if "python" not in Path(argv[0]).name:
                time_to_tools_list(argv, env, root)
        seconds: dict[str, list[float]] = {name: [] for name in rows}
        for _ in range(args.runs):
            for name, argv in rows.items():
                if name.startswith("python"):
                    started = time.perf_counter()
                    subprocess.run(argv, env=env, check=True)
                    seconds[name].append(time.perf_counter() - started)
                else:
                    seconds[name].append(time_to_tools_list(argv, env, root))
    finally:
        subprocess.run([str(BIN / "rust-mcp-engine"), "stop"], env=env, capture_output=True, check=False)
    print(f"start to tools/list, median of {args.runs} (interleaved; target with a warm engine: < 50 ms)")
    for name, values in seconds.items():
        print(f"  {name:34} {median(values) * 1000:8.1f} ms   (min {min(values) * 1000:.1f})")


if __name__ == "__main__":
    main()
