"""One door to project files: the server process opens, reads, copies, hashes, creates or deletes
files only through rust_mcp/core/safe_io.py and its facade rust_mcp/core/project_files.py (no link
followed on any component, regular files only, size-limited, off the event loop where a call waits).
This walks the syntax tree of every module of both servers and fails on any other file-system call,
naming its file:line, unless the table below allows it with a reason. Those reasons are all "not a
project path": the operator's own files, /proc, the package's data, or not a file at all."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from tests.support.one_door_check import FileCall, file_calls, package_file_calls

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("rust_mcp", "cargo_mcp", "ra_mcp")
DOOR = frozenset(
    f"rust_mcp/core/{name}.py" for name in ("safe_io", "project_files", "project_walk", "git_blobs")
)
OPERATOR_LOGS = "the server's own log directory (--log-dir, default under ~/.cache), not a project path"

# (module, function or "*", call, reason)
INDEX_CACHE = "the server's crates.io index cache"
ALLOWED: tuple[tuple[str, str, str, str], ...] = (
    ("rust_mcp/core/containment.py", "CargoHome.caches", ".mkdir", "the operator's CARGO_HOME registry dirs"),
    ("rust_mcp/core/containment.py", "CargoHome.subcommands", ".iterdir", "the operator's CARGO_HOME/bin"),
    ("rust_mcp/core/roots.py", "default_read_only", ".iterdir", "the operator's rustup toolchains"),
    ("ra_mcp/pool_start.py", "fetched_locally", ".glob", "the operator's CARGO_HOME/registry/src listing"),
    ("rust_mcp/core/pid_cgroup.py", "*", "*", "/sys/fs/cgroup: our own pids cgroups, not a project"),
    (
        "ra_mcp/workspace/flycheck_tee.py",
        "*",
        "*",
        "runs inside rust-analyzer's sandbox (not in the server), writing only the private copies "
        "directory the server made for it; the server reads it back through the door",
    ),
    (
        "rust_mcp/core/cargo_config.py",
        "_read_filtered",
        "os.open",
        "the operator's CARGO_HOME config (a dotfiles link allowed), O_NONBLOCK, regular files only, "
        "size-limited, and only its filtered copy reaches a sandbox",
    ),
    ("rust_mcp/core/full_text.py", "save_full_text", ".mkdir", OPERATOR_LOGS),
    ("rust_mcp/core/full_text.py", "save_full_text", ".unlink", OPERATOR_LOGS),
    ("rust_mcp/core/runner.py", "RunLog.__init__", ".mkdir", OPERATOR_LOGS),
    ("rust_mcp/core/runner.py", "RunLog._fail", ".unlink", OPERATOR_LOGS),
    ("rust_mcp/core/runner.py", "prune_logs", ".glob", OPERATOR_LOGS),
    ("rust_mcp/core/runner.py", "prune_logs", "os.unlink", OPERATOR_LOGS),
    ("rust_mcp/core/processes.py", "processes_in_group", ".iterdir", "/proc, to find our own children"),
    ("rust_mcp/core/proc_stat.py", "proc_stat", "*", "/proc/<pid>/stat of a process (ours or a peer)"),
    ("rust_mcp/core/processes.py", "resident_mb", ".read_text", "/proc/<pid>/status of our children"),
    (
        "rust_mcp/core/sandbox.py",
        "_mount",
        ".open",
        "BindPaths.open is safe_io.open_without_links keeping the descriptor for bubblewrap",
    ),
    ("rust_mcp/mcp/prompts.py", "_load", ".open", "workflows.toml, a data file of this package"),
    ("rust_mcp/mcp/prompts.py", "_load", "tomllib.load", "workflows.toml, a data file of this package"),
    ("rust_mcp/mcp/stdio.py", "_claimed_std_fds", "os.open", "/dev/null, to hold the standard descriptors"),
    (
        "rust_mcp/mcp/transports.py",
        "read_token_file",
        "os.open",
        "the operator's --auth-token-file, opened O_NOFOLLOW | O_NONBLOCK and checked (regular, 0600)",
    ),
    (
        "cargo_mcp/run/compiler_cache.py",
        "CompilerCache.workspace_dir",
        ".mkdir",
        "the operator's compiler cache",
    ),
    ("cargo_mcp/workflows/sparse_index.py", "fetch_published", ".read_text", INDEX_CACHE),
    ("cargo_mcp/workflows/sparse_index.py", "fetch_published", ".mkdir", INDEX_CACHE),
    ("cargo_mcp/workflows/sparse_index.py", "fetch_published", ".write_text", INDEX_CACHE),
    ("cargo_mcp/workflows/sparse_index.py", "fetch_published", ".replace", INDEX_CACHE),
    ("ra_mcp/lsp/state.py", "*", ".touch", "AnalyzerState.touch() stamps a time; no file"),
    ("ra_mcp/lsp/client.py", "*", ".touch", "AnalyzerState.touch() stamps a time; no file"),
    ("ra_mcp/lsp/handlers.py", "*", ".touch", "AnalyzerState.touch() stamps a time; no file"),
    ("ra_mcp/lsp/flycheck_bound.py", "*", ".touch", "AnalyzerState.touch() stamps a time; no file"),
    ("rust_mcp/engine/place.py", "*", "*", "the engine's private directory (0700, ours), not a project"),
    ("rust_mcp/engine/launch.py", "*", "*", "the engine's socket, lock and log in its private directory"),
    ("rust_mcp/engine/server.py", "*", "*", "the engine's socket and log in its private directory"),
    ("rust_mcp/engine/confinement.py", "confinement", "open", "/proc/<pid>/status of a socket peer"),
    ("rust_mcp/engine/__main__.py", "*", "*", "the engine's private directory, listing its sockets"),
    ("rust_mcp/engine/descendants.py", "*", "*", "/proc, to find and stop the engine's own children"),
    ("rust_mcp/engine/reaper.py", "*", "*", "/proc, to find and reap the orphans the engine adopted"),
    ("rust_mcp/engine/identity.py", "fingerprint", "os.scandir", "this package's own files (stat only)"),
    ("rust_mcp/dev/demo.py", "*", "*", "a developer's demo on a scratch copy of fixtures/, never a server"),
    ("rust_mcp/dev/reference.py", "*", "*", "writes this repository's generated docs; never a server"),
    ("rust_mcp/dev/layout.py", "*", "*", "reads this repository's own modules for the docs; never a server"),
    ("rust_mcp/dev/corpus.py", "*", "*", "the tests' and bench's crates.io corpus cache; never a server"),
    ("rust_mcp/dev/corpus_verdicts.py", "*", "*", "the corpus tests' verdict file; never a server"),
    ("rust_mcp/dev/figures.py", "*", "*", "the reliability tests' figures file; never a server"),
    ("rust_mcp/dev/engine_procs.py", "*", "*", "reads /proc for the tests and bench; never a server"),
    ("rust_mcp/dev/proctree.py", "*", "*", "reads /proc for the tests and bench; never a server"),
)


@functools.cache
def calls_outside_the_door() -> tuple[FileCall, ...]:
    return tuple(call for call in package_file_calls(REPO, PACKAGES) if call.module not in DOOR)


def allowed(call: FileCall) -> bool:
    return any(_fits(entry, call) for entry in ALLOWED)


def _fits(entry: tuple[str, str, str, str], call: FileCall) -> bool:
    module, function, called, _ = entry
    return module == call.module and function in ("*", call.function) and called in ("*", call.call)


def test_every_file_system_call_goes_through_the_door() -> None:
    outside = [str(call) for call in calls_outside_the_door() if not allowed(call)]
    assert not outside, (
        "file-system calls outside the one door (rust_mcp/core/project_files.py, safe_io.py); use the "
        "door's functions, or add a row to ALLOWED with the reason it is not a project path:\n"
        + "\n".join(outside)
    )


def test_every_allowlist_row_is_still_needed() -> None:
    calls = calls_outside_the_door()
    stale = [entry[:3] for entry in ALLOWED if not any(_fits(entry, call) for call in calls)]
    assert not stale, f"rows of ALLOWED that match no call any more (remove them): {stale}"


def test_every_allowlist_row_says_why() -> None:
    assert all(len(reason) > 10 for *_, reason in ALLOWED)


SNIPPET = """
import hashlib, json, os, shutil, tomllib
from os import scandir as listing
from pathlib import Path

def every_way(p: Path) -> None:
    open(p)
    os.open(p, 0)
    os.scandir(p)
    os.walk(p)
    os.listdir(p)
    os.unlink(p)
    os.remove(p)
    os.rmdir(p)
    os.rename(p, p)
    os.replace(p, p)
    os.mkdir(p)
    os.makedirs(p)
    shutil.copyfile(p, p)
    shutil.copy(p, p)
    shutil.copy2(p, p)
    shutil.copytree(p, p)
    shutil.rmtree(p)
    shutil.move(p, p)
    p.read_text()
    p.read_bytes()
    p.write_text("")
    p.write_bytes(b"")
    p.open()
    p.mkdir()
    p.unlink()
    p.rmdir()
    p.iterdir()
    p.glob("*")
    p.rglob("*")
    p.touch()
    p.rename(p)
    p.replace(p)
    hashlib.file_digest(p.open("rb"), "sha1")
    tomllib.load(p.open("rb"))
    json.load(p.open())
    listing(p)

def not_files(text: str, p: Path) -> None:
    shutil.which("cargo")
    text.replace("a", "b")
    p.with_name("x")
    json.loads(text)
    tomllib.loads(text)
    os.path.join(text, text)
"""


def test_the_checker_flags_each_forbidden_call() -> None:
    calls = file_calls(SNIPPET, "snippet.py")
    flagged = [call.call for call in calls]
    # 36 direct calls, plus the three p.open(...) inside hashlib/tomllib/json
    assert len(calls) == 39, flagged
    assert {call.function for call in calls} == {"every_way"}, "a call in not_files() was flagged"
    for expected in (
        "open",
        "os.open",
        "os.scandir",
        "os.walk",
        "os.listdir",
        "os.unlink",
        "os.remove",
        "os.rmdir",
        "os.rename",
        "os.replace",
        "os.mkdir",
        "os.makedirs",
        "shutil.copyfile",
        "shutil.copytree",
        "shutil.rmtree",
        "shutil.move",
        ".read_text",
        ".write_bytes",
        ".iterdir",
        ".rglob",
        ".touch",
        ".rename",
        ".replace",
        "hashlib.file_digest",
        "tomllib.load",
        "json.load",
    ):
        assert expected in flagged, expected
    assert flagged.count("os.scandir") == 2  # also through `from os import scandir as listing`
    first = calls[0]
    assert (first.module, first.line, first.function) == ("snippet.py", 7, "every_way")
    assert str(first) == "snippet.py:7 in every_way: open(...)"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import shutil\nshutil.rmtree('/x')\n", "snippet.py:2 in <module>: shutil.rmtree(...)"),
        (
            "class A:\n    def m(self, p):\n        return p.read_bytes()\n",
            "snippet.py:3 in A.m: .read_bytes(...)",
        ),
    ],
)
def test_a_finding_names_its_place(source: str, expected: str) -> None:
    assert [str(call) for call in file_calls(source, "snippet.py")] == [expected]
