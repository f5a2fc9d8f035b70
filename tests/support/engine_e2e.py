"""The per-user engine as the end-to-end tests see it from outside: a private engine directory per
test, the engine processes that serve it (found in /proc by their command line and environment),
the rust-analyzers they run, `rust-mcp-engine status` / `stop` asked with the engine's own
environment, and a watch that samples the rust-analyzer processes while clients run."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rust_mcp.dev import engine_procs as procs
from rust_mcp.dev.engine_procs import engine_command, stop_engines, wait_gone
from rust_mcp.dev.proctree import tree
from tests.support import FIXTURES, processes_under

IDLE_ENV = "RUST_MCP_ENGINE_IDLE_MINUTES"  # how long without a session before the engine exits


@dataclass(frozen=True)
class EngineHome:
    """A private engine directory (XDG_RUNTIME_DIR for the fronts) and the engine's idle time. The
    directory is short (`/tmp/rme-XXXX`): the socket path in it must fit a unix socket address."""

    runtime: Path
    idle_seconds: float

    def server_env(self) -> dict[str, str]:
        """What a client's server entry adds to the environment so its fronts use this engine."""
        return {
            "XDG_RUNTIME_DIR": str(self.runtime),
            "RUST_MCP_ENGINE": "on",
            IDLE_ENV: f"{self.idle_seconds / 60:g}",
        }


@contextmanager
def engine_home(idle_seconds: float) -> Iterator[EngineHome]:
    """A fresh engine directory; afterwards every engine still serving it is stopped (what is left
    of its process tree killed, by pid) and the directory removed."""
    runtime = Path(tempfile.mkdtemp(prefix="rme-"))  # mode 0700
    try:
        yield EngineHome(runtime, idle_seconds)
    finally:
        stop_engines(runtime)
        shutil.rmtree(runtime, ignore_errors=True)


def engine_pids(home: EngineHome) -> list[int]:
    """Live engine processes serving this home: the fronts of the test started them."""
    return procs.engine_pids(home.runtime)


def environment_difference(engines: list[int]) -> dict[str, list[str | None]]:
    """The variables whose values differ between these engines' environments (why a front chose
    another engine: one is chosen by build and environment)."""
    envs = [procs.environment_of(pid) for pid in engines]
    names = sorted({name for env in envs for name in env})
    values = {name: [env.get(name) for env in envs] for name in names}
    return {name: found for name, found in values.items() if len(set(found)) > 1}


def analyzers_of(engine: int) -> set[int]:
    """The rust-analyzer server processes in the engine's process tree."""
    return procs.analyzers_of({engine})


def engine_status(engine: int) -> dict[str, Any]:
    """`rust-mcp-engine status --json`: this engine's answer (its pid, sessions, rust-analyzers)."""
    status = engine_command(engine, "status", "--json")
    assert status.returncode == 0, status.stdout + status.stderr
    answers = [answer for answer in json.loads(status.stdout) if answer.get("pid") == engine]
    assert len(answers) == 1, status.stdout
    return dict(answers[0])


def status_analyzers(engine: int) -> dict[str, set[int]]:
    """The rust-analyzers the engine says it runs, by workspace: the rust-analyzer server processes
    at or under each pid it lists (it may list the sandbox around rust-analyzer, or rust-analyzer's
    proc-macro server beside it)."""
    found: dict[str, set[int]] = {}
    for item in engine_status(engine)["rust_analyzers"]:
        found.setdefault(str(item["workspace"]), set()).update(procs.analyzers_of({int(item["pid"])}))
    return found


@dataclass
class AnalyzerWatch:
    """Samples, every `interval` seconds, the engines of `home` and the rust-analyzers they run."""

    home: EngineHome
    interval: float = 0.2
    engines: set[int] = field(default_factory=set)
    analyzers: set[int] = field(default_factory=set)
    most_at_once: int = 0
    samples: int = 0
    seen: dict[int, tuple[int, int, str]] = field(default_factory=dict)  # pid -> first, last sample, what

    def sample(self) -> None:
        engines = engine_pids(self.home)
        running = {pid for engine in engines for pid in analyzers_of(engine)}
        self.engines.update(engines)
        self.analyzers.update(running)
        self.most_at_once = max(self.most_at_once, len(running))
        for pid in running:
            what = f"{' '.join(procs.argv_of(pid))} in {procs.working_directory(pid)}"
            first, _, what = self.seen.get(pid, (self.samples, 0, what))
            self.seen[pid] = (first, self.samples, what)
        self.samples += 1

    def describe(self) -> str:
        """Each rust-analyzer seen: pid, command line, working directory, the samples it lived in."""
        return "; ".join(
            f"pid {pid}: {what}, samples {first}-{last} of {self.samples}"
            for pid, (first, last, what) in sorted(self.seen.items(), key=lambda item: item[1])
        )


@contextmanager
def watching(home: EngineHome) -> Iterator[AnalyzerWatch]:
    watch = AnalyzerWatch(home)
    done = threading.Event()

    def run() -> None:
        while not done.is_set():
            watch.sample()
            done.wait(watch.interval)

    thread = threading.Thread(target=run, name="analyzer-watch", daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        done.set()
        thread.join()
        watch.sample()


# -- the crate the clients work on, and the answer they must get -----------------------------------


def crate_copy(tmp_path: Path) -> Path:
    """The workspace fixture, copied where no other test's processes work (the root of the runs)."""
    root = tmp_path / "root"
    shutil.copytree(FIXTURES / "workspace", root / "workspace", ignore=shutil.ignore_patterns("target"))
    return root


def hover_arguments(root: Path) -> dict[str, Any]:
    """rust_analyzer_hover on `Point::new` in the app: right is Point's declaration and its doc."""
    main = root / "workspace" / "app" / "src" / "main.rs"
    column = main.read_text().split("\n")[15].index("Point::new(3.0") + 1
    return {"file_path": str(main), "line": 16, "column": column}


def assert_right(output: str) -> None:
    assert "pub struct Point" in output and "A point in the plane." in output, output[-3000:]


def stop_and_check_nothing_left(engine: int, root: Path) -> None:
    """`rust-mcp-engine stop`: the engine and every process it started are gone, and nothing works
    in the crate any more."""
    members = set(tree({engine}))
    stopped = engine_command(engine, "stop")
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert wait_gone(members, 30) == set(), "the engine or something it started outlived `stop`"
    assert processes_under(root) == []
