"""Golden answers: every tool of both servers called with fixed arguments on a private copy of the
small fixtures, through a real MCP client over stdio (`--engine off`), recorded as the client sees
them (text content, structuredContent, isError) in tests/data/golden_answers.json.

A refactor must not change an answer: tests/real/test_golden_answers.py compares a fresh run with the
file byte for byte, after the few normalisations below (each narrow, each for something that
legitimately differs between two runs of the same code). Regenerate after an intended change:

    .venv/bin/python -m tests.support.golden_answers --write

and review the diff of tests/data/golden_answers.json like code.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp_types import CallToolResult, TextContent

from tests.support import FIXTURES, REPO, SUITE_ENV, server_params
from tests.support.cargo_plugins import PLUGINS, require_plugin

GOLDEN = REPO / "tests" / "data" / "golden_answers.json"
REGENERATE = "regenerate with `.venv/bin/python -m tests.support.golden_answers --write` and review the diff"

# the fixtures the calls use (copied without build output into a fresh directory each run)
USED_FIXTURES = ("hello_bin", "lib_errors", "tests_mixed", "workspace", "with_path_dep", "unsafe_audit")

# where the copied fixtures and the logs are; replaced in answers and arguments by these markers
ROOT_MARK = "<ROOT>"
LOGS_MARK = "<LOGS>"


@dataclass(frozen=True)
class Call:
    server: str  # "cargo" or "ra"
    tool: str
    arguments: dict[str, Any]  # "<ROOT>" in a string is the fixtures' copy
    why: str  # the mode it covers


def _c(tool: str, why: str, **arguments: Any) -> Call:
    return Call("cargo", tool, arguments, why)


def _r(tool: str, why: str, **arguments: Any) -> Call:
    return Call("ra", tool, arguments, why)


R = ROOT_MARK
WS = f"{R}/workspace"
LIB = f"{R}/workspace/geometry/src/lib.rs"
MAIN = f"{R}/workspace/app/src/main.rs"

# The calls in the order they run (later calls see what earlier ones built, the same in every run).
CALLS: tuple[Call, ...] = (
    _c("set_working_directory", "refusal: outside the roots", path="/etc"),
    _c("set_working_directory", "a fixture", path=f"{R}/hello_bin"),
    _c("cargo_check", "default path from set_working_directory"),
    _c("cargo_check", "one error, one warning", path=f"{R}/lib_errors"),
    _c("cargo_check", "second page", path=f"{R}/lib_errors", offset=1),
    _c("cargo_check", "refusal: bad toolchain", path=f"{R}/lib_errors", toolchain="no such!"),
    _c("cargo_clippy", "lints", path=f"{R}/lib_errors"),
    _c("cargo_clippy", "refusal: fix", path=f"{R}/lib_errors", fix=True),
    _c("cargo_fmt_check", "diffs", path=f"{R}/lib_errors"),
    _c("cargo_build", "an executable", path=f"{R}/hello_bin"),
    _c("cargo_test", "pass, fail, ignored", path=f"{R}/tests_mixed"),
    _c("cargo_test", "one test by name", path=f"{R}/tests_mixed", test_name="doubles_two"),
    _c("cargo_nextest", "pass, fail", path=f"{R}/tests_mixed"),
    _c("cargo_bench", "a harness-less bench", path=f"{R}/tests_mixed"),
    _c("cargo_metadata", "members", path=WS),
    _c("cargo_metadata", "one member in full", path=WS, package="geometry"),
    _c("cargo_metadata", "second page", path=WS, offset=1),
    _c("cargo_tree", "the tree", path=WS, workspace=True),
    _c("cargo_tree", "refusal: bad depth", path=WS, depth=-1),
    _c("cargo_outdated", "no registry dependencies", path=f"{R}/with_path_dep"),
    _c("cargo_insta_pending", "no snapshots", path=f"{R}/hello_bin"),
    _c("cargo_insta_accept", "a name not pending", path=f"{R}/hello_bin", snapshots=["nope"]),
    _c("cargo_insta_reject", "a name not pending", path=f"{R}/hello_bin", snapshots=["nope"]),
    _c("cargo_run", "output and exit code", path=f"{R}/hello_bin"),
    _c("cargo_add", "refusal: bad dependency", path=f"{R}/hello_bin", dependencies=["bad name!"]),
    _c("cargo_remove", "dry run", path=f"{R}/with_path_dep", dependencies=["helper"], dry_run=True),
    _c("cargo_update", "dry run", path=f"{R}/with_path_dep", dry_run=True),
    _c("cargo_clean", "dry run", path=f"{R}/hello_bin", dry_run=True),
    _c("cargo_clippy_fix", "refusal: outside the roots", path="/etc"),
    _c("cargo_clippy_fix", "fixes written", path=f"{R}/lib_errors", allow_no_vcs=True),
    _r("rust_analyzer_set_workspace", "refusal: outside the roots", workspace_path="/etc"),
    _r("rust_analyzer_set_workspace", "the workspace fixture", workspace_path=WS),
    _r("rust_analyzer_symbols", "outline", file_path=LIB),
    _r("rust_analyzer_symbols", "a page", file_path=LIB, limit=2, offset=1),
    _r("rust_analyzer_symbols", "within", file_path=LIB, within="impl Point"),
    _r("rust_analyzer_definition", "position", file_path=MAIN, line=19, column=33),
    _r("rust_analyzer_definition", "symbol", symbol="Point::norm2", include_body=True),
    _r("rust_analyzer_definition", "refusal: unknown symbol", symbol="Point::nothing"),
    _r("rust_analyzer_references", "symbol", symbol="Point::new"),
    _r("rust_analyzer_references", "a page", symbol="Point::new", limit=1, offset=1),
    _r("rust_analyzer_hover", "position", file_path=MAIN, line=19, column=33),
    _r("rust_analyzer_hover", "symbol", symbol="Point::distance"),
    _r("rust_analyzer_hover", "refusal: file outside the roots", file_path="/etc/passwd", line=1, column=1),
    _r("rust_analyzer_completion", "after a dot", file_path=MAIN, line=19, column=32, limit=5),
    _r("rust_analyzer_format", "a diff", file_path=MAIN),
    _r("rust_analyzer_code_actions", "position", file_path=MAIN, line=16, column=9),
    _r("rust_analyzer_apply_code_action", "a diff", file_path=MAIN, line=16, column=9, index=1),
    _r("rust_analyzer_diagnostics", "analysis only", file_path=MAIN, include_check=False),
    _r("rust_analyzer_workspace_diagnostics", "analysis only", workspace=WS, include_check=False),
    _r("rust_analyzer_rename", "a diff", symbol="Point::norm2", new_name="norm_sq"),
    _r("rust_analyzer_rename", "refusal: bad name", symbol="Point::norm2", new_name="1bad"),
    _r("rust_analyzer_workspace_symbol", "fuzzy", query="Point"),
    _r("rust_analyzer_workspace_symbol", "types, a page", query="a", types_only=True, limit=2, offset=1),
    _r(
        "rust_analyzer_implementations",
        "a type",
        file_path=f"{R}/workspace/geometry/src/shapes.rs",
        line=6,
        column=12,
    ),
    _r("rust_analyzer_type_definition", "a local", file_path=MAIN, line=15, column=9),
    _r("rust_analyzer_call_hierarchy", "both", symbol="Point::new"),
    _r("rust_analyzer_call_hierarchy", "outgoing", file_path=MAIN, line=14, column=4, direction="outgoing"),
    _r("rust_analyzer_expand_macro", "a derive", file_path=MAIN, line=8, column=10),
    _r("rust_analyzer_expand_macro", "println", file_path=MAIN, line=18, column=5),
    _r("rust_analyzer_runnables", "a file", file_path=LIB),
    _r("rust_analyzer_related_tests", "symbol", symbol="Point::norm2"),
    _r("rust_analyzer_ssr", "a diff", rule="Point::new($x, $y) ==>> Point { x: $x, y: $y }"),
    _r("rust_analyzer_ssr", "refusal: no arrow", rule="Point::new($x, $y)"),
    _r("rust_analyzer_set_workspace", "a crate with an error", workspace_path=f"{R}/lib_errors"),
    _r("rust_analyzer_diagnostics", "with cargo check", file_path=f"{R}/lib_errors/src/lib.rs"),
    _r(
        "rust_analyzer_implementations",
        "a trait (one impl)",
        workspace=f"{R}/unsafe_audit",
        symbol="Zeroable",
    ),
    _r("rust_analyzer_unsafe_audit", "sites", workspace=f"{R}/unsafe_audit", include_clippy=False),
    _r("rust_analyzer_status", "health"),
)


# --- normalisations: each one narrow, each for something that differs between two runs of the same
# code. Everything else must match byte for byte. ---

# wall-clock durations: our summaries' "succeeded in 0.12 s", cargo's "target(s) in 0.52s", libtest's
# "finished in 0.00s", nextest's "[   0.004s]", and the tests_mixed bench's own "123 ns/iter"
_DURATIONS = (
    (re.compile(r"\b(succeeded|failed \(exit -?\d+\)|timed out) in \d+\.\d\d s\b"), r"\1 in <DUR> s"),
    (re.compile(r"target\(s\) in \d+(?:\.\d+)?(?:s|ms|m \d+s)"), "target(s) in <DUR>"),
    (re.compile(r"finished in \d+\.\d+s"), "finished in <DUR>"),
    (re.compile(r"\[ *\d+\.\d+s\]"), "[<DUR>]"),
    (re.compile(r"\b\d+ ns/iter"), "<DUR> ns/iter"),
)
# a full log's file name: the call's start time and a random id
# (<LOGS>/20261206-092742-cargo_check-2a0d4159.log)
_LOG_NAMES = re.compile(r"<LOGS>/\d{8}-\d{6}-(\w+)-[0-9a-f]{8}\.log")
# rust_analyzer_status's line per rust-analyzer: its pid, memory and uptime ("pid 123, 674 MB, up 24 s")
_PROCESS_FIGURES = re.compile(r"pid \d+, \d+ MB, up \d+ s")
# the thread id a panic message names since Rust 1.89: "thread 'tests::x' (88) panicked"
_THREAD_IDS = re.compile(r"(thread '[^']*') \(\d+\) panicked")
# toolchain versions: "rust-analyzer 1.93.0 (254b59607 2026-01-19)"
_VERSIONS = re.compile(r"\b(rustc|cargo|rust-analyzer|clippy) \d+\.\d+\.\d+(?:-[\w.]+)?(?: \([^)]*\))?")
# rust_analyzer_status's "ready, still Indexing 100% (18/21 (getopts))": what a ready rust-analyzer is
# still doing in the background at that instant
_BACKGROUND_WORK = re.compile(r": ready, still .*? \(health ")
# structuredContent fields that hold such figures (replaced wherever they occur, whatever the tool):
# durations, process ids, memory, uptime, and a rust-analyzer's live state as rust_analyzer_status and
# rust_analyzer_set_workspace report it (its background work at that instant)
VOLATILE_FIELDS = frozenset({"duration_ms", "pid", "rss_mb", "uptime_seconds", "activity", "quiescent"})
# and fields left out wherever they occur (each is left out while empty, so even its presence varies):
# how many cargo checks a rust-analyzer has run so far (it starts one on load, on its own schedule),
# and its recent messages (whether a check was put off until its first analysis depends on timing)
UNCOUNTED_FIELDS = frozenset({"flycheck_runs", "recent_messages"})


def normalise(text: str, root: str, logs: str) -> str:
    """`text` with the run's own paths, durations, pids and toolchain versions replaced by markers."""
    text = text.replace(root, ROOT_MARK).replace(logs, LOGS_MARK)
    for pattern, mark in _DURATIONS:
        text = pattern.sub(mark, text)
    text = _LOG_NAMES.sub(r"<LOGS>/<STAMP>-\1-<ID>.log", text)
    text = _PROCESS_FIGURES.sub("pid <PID>, <N> MB, up <N> s", text)
    text = _BACKGROUND_WORK.sub(": ready (health ", text)
    text = _THREAD_IDS.sub(r"\1 (<TID>) panicked", text)
    return _VERSIONS.sub(lambda m: f"{m.group(1)} <VERSION>", text)


def without_figures(value: Any) -> Any:
    """Structured content with the VOLATILE_FIELDS' values replaced by a marker (keys and order kept)
    and the UNCOUNTED_FIELDS left out."""
    if isinstance(value, dict):
        return {
            key: "<VOLATILE>" if key in VOLATILE_FIELDS and item is not None else without_figures(item)
            for key, item in value.items()
            if key not in UNCOUNTED_FIELDS
        }
    if isinstance(value, list):
        return [without_figures(item) for item in value]
    return value


def with_root(value: Any, root: str) -> Any:
    """`value` (an argument) with the root marker replaced by the run's root."""
    if isinstance(value, str):
        return value.replace(ROOT_MARK, root)
    if isinstance(value, list):
        return [with_root(item, root) for item in value]
    return value


def answer(call: Call, result: CallToolResult, root: str, logs: str) -> dict[str, Any]:
    """What the client received, normalised: one entry of the golden file."""
    text = "\n".join(block.text for block in result.content if isinstance(block, TextContent))
    kinds = [block.type for block in result.content]
    content = result.structured_content
    # structuredContent as the client received it, key order kept, JSON with default separators
    shaped = json.dumps(without_figures(content), ensure_ascii=False) if content is not None else None
    return {
        "server": call.server,
        "tool": call.tool,
        "why": call.why,
        "arguments": call.arguments,
        "is_error": bool(result.is_error),
        "content_types": kinds,
        "text": normalise(text, root, logs),
        "structured": normalise(shaped, root, logs) if shaped is not None else None,
    }


async def record(work: Path, progress: Callable[[str], None] = lambda _: None) -> list[dict[str, Any]]:
    """Every call of CALLS against fresh servers on a fresh copy of the fixtures under `work`."""
    root = work / "fx"
    logs = work / "logs"
    root.mkdir(parents=True)
    for plugin in ("cargo-nextest", "cargo-insta"):
        require_plugin(plugin)
    for name in USED_FIXTURES:
        shutil.copytree(FIXTURES / name, root / name, ignore=shutil.ignore_patterns("target"))
    # cargo finds the cargo-nextest and cargo-insta plugins on PATH (scripts/setup --clients installs them)
    env = {**SUITE_ENV, "PATH": f"{PLUGINS}{os.pathsep}{os.environ['PATH']}"}
    cargo = server_params(
        "cargo-mcp", "serve", "--engine", "off", "--root", str(root), "--log-dir", str(logs), env=env
    )
    ra = server_params(
        "rust-analyzer-mcp", "--engine", "off", "--root", str(root), "--max-workspaces", "4", env=env
    )
    answers: list[dict[str, Any]] = []
    async with (
        Client(cargo, mode="legacy", read_timeout_seconds=900) as cargo_client,
        Client(ra, mode="legacy", read_timeout_seconds=900) as ra_client,
    ):
        clients = {"cargo": cargo_client, "ra": ra_client}
        for call in CALLS:
            progress(f"{call.tool} ({call.why})")
            arguments = {key: with_root(value, str(root)) for key, value in call.arguments.items()}
            result = await clients[call.server].call_tool(call.tool, arguments)
            answers.append(answer(call, result, str(root), str(logs)))
    return answers


def record_in_temp() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="golden-") as work:
        return anyio.run(record, Path(work), lambda line: print(line, file=sys.stderr, flush=True))


def golden() -> list[dict[str, Any]]:
    """The answers recorded in GOLDEN."""
    return list(json.loads(GOLDEN.read_text()))


def dumps(answers: list[dict[str, Any]]) -> str:
    return json.dumps(answers, ensure_ascii=False, indent=1) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--write", action="store_true", help=f"write {GOLDEN.relative_to(REPO)}")
    parser.add_argument("--out", type=Path, help="write the answers here instead (to diff two runs)")
    args = parser.parse_args()
    os.environ.update(SUITE_ENV)  # as under pytest (tests/conftest.py)
    text = dumps(record_in_temp())
    target = args.out or (GOLDEN if args.write else None)
    if target is None:
        sys.stdout.write(text)
    else:
        target.write_text(text)
        print(f"wrote {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
