"""Issue 21's server-side breaks, end to end through a real MCP client, real rust-analyzer, cargo, git
and bubblewrap: what project code (or an agent) plants in the tree, the server process, outside every
sandbox, must neither write through, read through, nor wait on.

(a) rust-analyzer's private Cargo.lock replaced by a link to a marker outside the roots (what a proc
    macro can do), then the workspace's Cargo.lock changed: the re-sync's copy replaces the link and
    the marker stays; the other way round (Cargo.lock a link to a secret) the secret reaches nothing.
(b) insta .snap files linking to a secret and to /proc/self/environ: refused by name, no secret shown.
(c) a FIFO and a /dev/zero link as packages' src/lib.rs, then a `symbol=` lookup: those packages
    are skipped, and rust_analyzer_status answers within 2 s meanwhile.
(d) `changed=true` with a FIFO as a tracked file: the call answers (the FIFO counts as changed), and
    a call on another workspace answers within 2 s meanwhile."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest
from mcp import Client
from mcp_types import CallToolResult

from rust_mcp.dev.figures import record
from tests.support import copy_fixture, require_bubblewrap, require_rust_analyzer, server_params, text_of
from tests.support.cargo_plugins import cargo_with_plugins

pytestmark = [pytest.mark.anyio, pytest.mark.real]
SECRET = "SECRET-one-door-51c9"
MARKER = "marker: untouched\n"
ANSWER_BOUND = 2.0  # seconds another call may take while the hostile one runs (issue 21)


@dataclass
class World:
    root: Path  # the servers' only root
    outside: Path  # beside it: a secret and a marker

    def outside_listing(self) -> list[str]:
        return sorted(p.name for p in self.outside.iterdir())

    def assert_nothing_escaped(self, *answers: CallToolResult) -> None:
        assert self.outside_listing() == ["marker", "secret"], "something was written outside the roots"
        assert (self.outside / "marker").read_text() == MARKER
        for answer in answers:
            shown = text_of(answer) + json.dumps(answer.structured_content or {})
            assert SECRET not in shown and "RUST_ANALYZER_MCP" not in shown, shown[:2000]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    require_bubblewrap()
    base = tmp_path_factory.mktemp("one-door")
    built = World(base / "root", base / "outside")
    built.root.mkdir()
    built.outside.mkdir()
    (built.outside / "secret").write_text(f'{SECRET} = "ssh key"\n')
    (built.outside / "marker").write_text(MARKER)
    return built


@pytest.fixture(scope="module")
async def ra(world: World) -> AsyncIterator[Client]:
    require_rust_analyzer()
    params = server_params("rust-analyzer-mcp", "--root", str(world.root), "--max-workspaces", "4")
    async with Client(params, mode="legacy", read_timeout_seconds=900) as client:
        yield client


async def hover_point(ra: Client, workspace: Path) -> CallToolResult:
    lib = workspace / "geometry" / "src" / "lib.rs"
    result = await ra.call_tool("rust_analyzer_hover", {"file_path": str(lib), "line": 7, "column": 12})
    assert not result.is_error, text_of(result)
    assert "pub struct Point" in text_of(result) + json.dumps(result.structured_content or {})
    return result


async def test_private_lockfile_copy_never_follows_a_link(ra: Client, world: World) -> None:
    workspace = copy_fixture("workspace", world.root / "lockfile")
    answers = [await hover_point(ra, workspace)]
    private = workspace / "target" / "rust-analyzer" / "Cargo.lock"
    assert private.is_file() and not private.is_symlink(), "rust-analyzer's private lockfile is elsewhere"

    # a proc macro (rust-analyzer's sandbox may write target/rust-analyzer) plants the link ...
    private.unlink()
    private.symlink_to(world.outside / "marker")
    # ... and a build script writes its payload into the workspace's Cargo.lock
    with (workspace / "Cargo.lock").open("a") as lock:
        lock.write("\n# payload-5e2a: echo pwned >> ~/.bashrc\n")
    answers.append(await hover_point(ra, workspace))
    world.assert_nothing_escaped(*answers)
    assert not private.is_symlink(), "the re-sync left the planted link in place"

    # the other way round: the workspace's Cargo.lock is a link to a secret outside the roots
    (workspace / "Cargo.lock").unlink()
    (workspace / "Cargo.lock").symlink_to(world.outside / "secret")
    answers.append(await hover_point(ra, workspace))
    world.assert_nothing_escaped(*answers)
    for path in (workspace / "target" / "rust-analyzer").glob("Cargo.lock*"):
        assert SECRET not in path.read_text(errors="replace"), f"{path} holds the secret"
    record("one door: lockfile links written or read through", 0)


def _package(directory: Path, name: str) -> Path:
    (directory / "src").mkdir(parents=True)
    (directory / "Cargo.toml").write_text(
        f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n'
    )
    return directory / "src" / "lib.rs"


Call = tuple[str, dict[str, object]]
Timed = tuple[CallToolResult, float]


async def alongside(client: Client, hostile: Call, other: Call, deadline: float) -> tuple[Timed, Timed]:
    """The hostile call, and 0.2 s into it the other one; each answer with the seconds it took."""
    results: dict[int, Timed] = {}

    async def run(index: int, call: Call, delay: float) -> None:
        await anyio.sleep(delay)
        started = time.monotonic()
        results[index] = (await client.call_tool(*call), time.monotonic() - started)

    with anyio.fail_after(deadline):  # on the old code the hostile call never answered
        async with anyio.create_task_group() as group:
            group.start_soon(run, 0, hostile, 0.0)
            group.start_soon(run, 1, other, 0.2)
    return results[0], results[1]


async def test_symbol_lookup_skips_a_fifo_and_a_dev_zero_library(ra: Client, world: World) -> None:
    workspace = copy_fixture("workspace", world.root / "symbols")
    # packages outside the workspace's members (rust-analyzer never loads them) that the lookup's
    # walk for crate aliases finds: one library is a FIFO, one a link to /dev/zero
    os.mkfifo(_package(workspace / "vendor" / "fifo", "fifo"))
    _package(workspace / "vendor" / "zero", "zero").symlink_to("/dev/zero")
    await hover_point(ra, workspace)  # loaded and ready: what follows times only the lookup

    lookup: Call = ("rust_analyzer_definition", {"symbol": "Point::norm2", "workspace": str(workspace)})
    (found, _), (status, took) = await alongside(ra, lookup, ("rust_analyzer_status", {}), 300)
    assert not found.is_error, text_of(found)
    assert "norm2" in text_of(found) and "lib.rs" in text_of(found)
    assert not status.is_error, text_of(status)
    record("one door: status answered during a symbol lookup over a FIFO (s)", round(took, 2))
    assert took < ANSWER_BOUND, f"rust_analyzer_status took {took:.1f} s while the lookup ran"
    world.assert_nothing_escaped(found, status)


@pytest.fixture(scope="module")
async def cargo(world: World) -> AsyncIterator[Client]:
    params = server_params("cargo-mcp", "serve", "--root", str(world.root))
    async with Client(params, mode="legacy", read_timeout_seconds=900) as client:
        yield client


def git(project: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", *args], cwd=project, check=True
    )


async def test_changed_with_a_fifo_answers_within_its_timeout(cargo: Client, world: World) -> None:
    project = copy_fixture("workspace", world.root / "scoped")
    (project / ".gitignore").write_text("target/\n")
    (project / "geometry" / "data.txt").write_text("tracked data\n")
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "start")
    (project / "geometry" / "data.txt").unlink()
    os.mkfifo(project / "geometry" / "data.txt")  # no writer will ever come
    other = copy_fixture("hello_bin", world.root / "other")

    timeout = 240
    scoped_check: Call = ("cargo_check", {"path": str(project), "changed": True, "timeout_secs": timeout})
    elsewhere: Call = ("set_working_directory", {"path": str(other)})
    (scoped, _), (other_answer, took) = await alongside(cargo, scoped_check, elsewhere, timeout + 120)
    assert not scoped.is_error, text_of(scoped)
    packages = {p["name"]: p["reason"] for p in (scoped.structured_content or {})["scope"]["packages"]}
    assert packages.get("geometry") == "changed: data.txt", packages
    assert not other_answer.is_error, text_of(other_answer)
    record("one door: another call answered during changed=true over a FIFO (s)", round(took, 2))
    assert took < ANSWER_BOUND, f"set_working_directory took {took:.1f} s while the scoped check ran"
    world.assert_nothing_escaped(scoped, other_answer)


SNAPSHOT = "---\nsource: tests/api.rs\nexpression: value\n---\n{body}\n"


async def test_insta_snapshots_linking_to_secrets_are_refused(world: World) -> None:
    crate = copy_fixture("hello_bin", world.root / "insta")
    stored = crate / "tests" / "snapshots"
    stored.mkdir(parents=True)
    # pending snapshots whose accepted side is a link: to a secret, to the server's own environment
    for name, target in (
        ("api__secret", world.outside / "secret"),
        ("api__environ", Path("/proc/self/environ")),
    ):
        (stored / f"{name}.snap.new").write_text(SNAPSHOT.format(body="new"))
        (stored / f"{name}.snap").symlink_to(target)
    (stored / "api__plain.snap.new").write_text(SNAPSHOT.format(body="new"))
    (stored / "api__plain.snap").write_text(SNAPSHOT.format(body="old"))
    async with cargo_with_plugins(world.root, "cargo-insta") as insta:
        pending = await insta.call_tool("cargo_insta_pending", {"path": str(crate)})
    assert not pending.is_error, text_of(pending)
    world.assert_nothing_escaped(pending)
    shown = json.dumps(pending.structured_content or {})
    assert "PATH=" not in shown and "HOME=" not in shown, "the server's environment was shown"
    diffs = {s["name"]: s["diff"] for s in (pending.structured_content or {})["snapshots"]}
    assert "api__secret.snap is a symbolic link; it is not read" in diffs["tests/snapshots/api__secret.snap"]
    assert "api__environ.snap is a symbolic link" in diffs["tests/snapshots/api__environ.snap"]
    assert "+new" in diffs["tests/snapshots/api__plain.snap"]
