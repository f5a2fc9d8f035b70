"""The path of one warm call through our real server: which of our files (cargo_mcp, ra_mcp,
rust_mcp) and how many of our functions a `rust_analyzer_hover` and a `cargo_check` pass through.

Each server is built in this process from its command line (`--engine off`, as `cli.prepare` builds
it for stdio) and served over a socket pair by our stdio line checks (`serve_stream_pair`); the
MCP SDK's `Client` talks to it on the other end. The fixtures' `workspace` crate is copied to a
temporary directory; the first call is made (a hover until rust-analyzer answers right, a
`cargo_check` that builds), the process waits until it and its children are idle, and only the
second call is traced. The profile hook (`sys.setprofile`, and `threading.setprofile` for every
thread started after it: anyio's worker threads, child watchers) is installed before the server
is built, so every thread and asyncio task of the process is seen; it records only while the
second call is in flight.

A `cargo_check` repeated on an unchanged tree is answered from the first call's result (checks are
shared); `cargo_check_edited` adds a comment to a source file between the two calls, so the traced
call runs cargo (an incremental check) and parses its output.

    .venv/bin/python -m bench.trace_path [--only hover|cargo_check|cargo_check_edited] [--functions] [--json]

Issue 24 asks for each path to cross fewer than 10 project files, and for no module over 300 lines.
Each path also reports the lines its functions span (per file, the union of each crossed function's
first to last line): at 300 lines a module, the fewest files that could hold that code.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

from mcp import Client

import cargo_mcp
import ra_mcp
import rust_mcp
from rust_mcp.dev.proctree import tree_cpu_seconds

from .in_process import served, text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PACKAGES = {Path(str(package.__file__)).parent: package.__name__ for package in (cargo_mcp, ra_mcp, rust_mcp)}
CALLS = ("hover", "cargo_check", "cargo_check_edited")
FILE_LIMIT = 10  # issue 24: under 10 project files for each path
MODULE_LINES = 300  # issue 24: no module over 300 lines (tests/fast/test_module_sizes.py)
QUIET_WINDOW, QUIET_CPU = 2.0, 0.1


@dataclass
class Tracer:
    """A profile hook that, while `recording`, notes each project function entered, in any thread."""

    recording: bool = False
    main_thread: int = field(default_factory=threading.get_ident)
    entered: dict[CodeType, set[str]] = field(default_factory=dict)  # code -> "main" / "thread"
    prefixes: tuple[str, ...] = tuple(f"{directory}/" for directory in PACKAGES)

    def __call__(self, frame: FrameType, event: str, arg: object) -> None:
        if event != "call" or not self.recording:
            return
        code = frame.f_code
        if code.co_filename.startswith(self.prefixes):
            where = "main" if threading.get_ident() == self.main_thread else "thread"
            self.entered.setdefault(code, set()).add(where)

    def install(self) -> None:
        threading.setprofile(self)
        sys.setprofile(self)

    def remove(self) -> None:
        sys.setprofile(None)
        threading.setprofile(None)


def project_name(filename: str) -> str:
    """`ra_mcp/tools/navigation.py` for a file of one of our packages."""
    path = Path(filename)
    for directory, package in PACKAGES.items():
        if path.is_relative_to(directory):
            return f"{package}/{path.relative_to(directory)}"
    return filename


@dataclass(frozen=True)
class Crossing:
    """What one traced call crossed: functions (file -> qualified names) and whether it was right."""

    call: str
    right: bool
    answer: str
    files: dict[str, list[str]]
    off_main_thread: list[str]
    lines: int  # spanned by the crossed functions' bodies, nested ones counted once

    @property
    def functions(self) -> int:
        return sum(len(names) for names in self.files.values())

    @property
    def fewest_files(self) -> int:
        """At MODULE_LINES a module, the fewest files that could hold the crossed functions alone."""
        return -(-self.lines // MODULE_LINES)

    def as_json(self) -> dict[str, Any]:
        return {
            "call": self.call,
            "right": self.right,
            "file_count": len(self.files),
            "function_count": self.functions,
            "function_lines": self.lines,
            "fewest_files": self.fewest_files,
            "files": self.files,
            "off_main_thread": self.off_main_thread,
            "answer": self.answer[:400],
        }


def spanned(code: CodeType) -> set[tuple[str, int]]:
    """The (file, line) pairs from a function's first line to its last."""
    last = max((line for _, _, line in code.co_lines() if line is not None), default=code.co_firstlineno)
    return {(code.co_filename, line) for line in range(code.co_firstlineno, last + 1)}


def crossed(tracer: Tracer, call: str, right: bool, answer: str) -> Crossing:
    files: dict[str, list[str]] = {}
    threaded = []
    lines: set[tuple[str, int]] = set()
    for code, where in tracer.entered.items():
        name = project_name(code.co_filename)
        files.setdefault(name, []).append(code.co_qualname)
        lines |= spanned(code)
        if "thread" in where:
            threaded.append(f"{name}:{code.co_qualname}")
    ordered = {name: sorted(set(files[name])) for name in sorted(files)}
    return Crossing(call, right, answer, ordered, sorted(threaded), len(lines))


async def wait_quiet(timeout: float = 600.0) -> None:
    """Until this process and its children (rust-analyzer, cargo) use almost no CPU."""
    import os

    started = time.monotonic()
    before = tree_cpu_seconds({os.getpid()})
    while time.monotonic() - started < timeout:
        await asyncio.sleep(QUIET_WINDOW)
        after = tree_cpu_seconds({os.getpid()})
        if after - before < QUIET_CPU:
            return
        before = after


Ask = Callable[[Client], Awaitable[tuple[bool, str]]]


async def warm_then_trace(
    tracer: Tracer,
    name: str,
    client: Client,
    ask: Ask,
    attempts: int,
    between: Callable[[], None] = lambda: None,
) -> Crossing:
    for _ in range(attempts):  # the first call, until answered right (indexed; the build finished)
        right, answer = await ask(client)
        if right:
            break
        await asyncio.sleep(1.0)
    else:
        raise RuntimeError(f"{name}: no right answer in {attempts} first calls; the last: {answer[-800:]}")
    await wait_quiet()
    between()
    tracer.entered.clear()
    tracer.recording = True
    try:
        right, answer = await ask(client)
    finally:
        tracer.recording = False
    return crossed(tracer, name, right, answer)


async def trace_hover(tracer: Tracer, root: Path) -> Crossing:
    from ra_mcp import cli

    main = root / "workspace" / "app" / "src" / "main.rs"
    column = main.read_text().split("\n")[15].index("Point::new(3.0") + 1

    async def ask(client: Client) -> tuple[bool, str]:
        arguments = {"file_path": str(main), "line": 16, "column": column}
        result = await client.call_tool("rust_analyzer_hover", arguments)
        answer = text(result)
        return not result.is_error and "pub struct Point" in answer, answer

    async with served(cli, ["--root", str(root), "--engine", "off"], root) as client:
        return await warm_then_trace(tracer, "rust_analyzer_hover", client, ask, attempts=60)


async def trace_cargo_check(tracer: Tracer, root: Path, edited: bool) -> Crossing:
    """A repeated `cargo_check` on an unchanged tree is answered from the first one's result (shared
    checks); with `edited`, a comment is added to the app's main.rs between the calls, so cargo runs."""
    from cargo_mcp import cli

    def edit() -> None:
        if edited:
            with (root / "workspace" / "app" / "src" / "main.rs").open("a") as source:
                source.write("// edited between the calls\n")

    async def ask(client: Client) -> tuple[bool, str]:
        result = await client.call_tool("cargo_check", {"path": str(root / "workspace")})
        running = (result.structured_content or {}).get("running")  # past --answer-deadline: ask again
        return not result.is_error and not running, text(result)

    argv = ["serve", "--root", str(root), "--engine", "off", "--log-dir", str(root.parent / "cargo-logs")]
    async with served(cli, argv, root) as client:
        name = "cargo_check after an edit" if edited else "cargo_check"
        return await warm_then_trace(tracer, name, client, ask, attempts=30, between=edit)


def trace_calls(calls: tuple[str, ...]) -> list[Crossing]:
    """The path of each call in `calls` ("hover", "cargo_check"), each on a fresh copy and server."""
    from rust_mcp.mcp.transports import watch_children_with_pidfds

    watch_children_with_pidfds()  # as `serve` does before its event loop starts
    return asyncio.run(trace(calls))


async def trace(calls: tuple[str, ...]) -> list[Crossing]:
    tracer = Tracer()
    tracer.install()
    found = []
    try:
        for call in calls:
            with tempfile.TemporaryDirectory(prefix="rust-mcp-trace-") as scratch:
                root = Path(scratch) / "root"
                shutil.copytree(
                    FIXTURES / "workspace", root / "workspace", ignore=shutil.ignore_patterns("target")
                )
                if call == "hover":
                    found.append(await trace_hover(tracer, root))
                else:
                    found.append(await trace_cargo_check(tracer, root, edited=call == "cargo_check_edited"))
    finally:
        tracer.remove()
    return found


def show(path: Crossing, functions: bool) -> None:
    verdict = "under" if len(path.files) < FILE_LIMIT else "not under"
    print(
        f"\n{path.call}: {len(path.files)} project files, {path.functions} functions "
        f"({verdict} the {FILE_LIMIT}-file target; answer {'right' if path.right else 'NOT right'})"
    )
    print(
        f"  their functions span {path.lines} lines: at {MODULE_LINES} lines a module, "
        f"at least {path.fewest_files} files"
    )
    for name, names in path.files.items():
        listed = ", ".join(names) if functions else ", ".join(names[:4]) + (", …" if len(names) > 4 else "")
        print(f"  {len(names):4}  {name}  {listed}")
    if path.off_main_thread:
        files = sorted({name.split(":")[0] for name in path.off_main_thread})
        print(f"  {len(path.off_main_thread)} of them entered in worker threads, in {', '.join(files)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.trace_path", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=CALLS, action="append", help="one call (default: both)")
    parser.add_argument("--functions", action="store_true", help="list every function, not the first four")
    parser.add_argument("--json", action="store_true", help="print one JSON object per call instead")
    args = parser.parse_args(argv)
    paths = trace_calls(tuple(args.only or CALLS))
    if args.json:
        print(json.dumps([path.as_json() for path in paths]))
        return
    print("the path of one warm call through our server (bench/trace_path.py): in-process, --engine off,")
    print("fixtures/workspace, the second call traced; project files = cargo_mcp, ra_mcp, rust_mcp")
    for path in paths:
        show(path, args.functions)


if __name__ == "__main__":
    main()
