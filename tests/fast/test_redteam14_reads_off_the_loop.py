"""Fourteenth red team: two read-only tools read the project on the event loop every session of the
engine shares. rust_analyzer_workspace_diagnostics walked the whole tree (scan_sources) inside its
coroutine, so a project that plants many folders stalled every other call for the whole walk; the
unsafe audit with clippy, and the pool's root_for that every rust-analyzer call asks, parsed the
package's Cargo.toml and each ancestor's (find_workspace_root, up to 1 MiB each: 1.1 s apiece here
for one of 1 MiB of table headers) on the loop too; cargo_outdated parsed Cargo.lock there (up to 32
MiB: 8.6 s for 8 MiB). All now run on the door's threads within a deadline.

The class is checked, not the two instances: no coroutine of the servers calls a blocking project
reader (the door's functions, the walks and manifest readers built on it) directly; it hands them to
`off_loop` (or a worker thread) instead."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from rust_mcp.core import cargo_projects, project_files
from tests.fast.test_policy_reads import warm_pool
from tests.support import on_event_loop

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("rust_mcp", "cargo_mcp", "ra_mcp")
NOT_READERS = {
    "off_loop",
    "DoorTimeout",
    "FileTooLarge",
    "LinkOnTheWay",
    "NotAFile",
    "WalkedFile",
    "MAX_WALK_DEPTH",
}
BLOCKING = (frozenset(project_files.__all__) - NOT_READERS) | {
    "scan_sources",  # ra_mcp.workspace.workspaces: a ChangeJournal walk of the whole tree
    "project_files",
    "bounded_project_files",
    "package_directories",
    "read_manifest",
    "find_workspace_root",
    "manifest_above_root",
    "locked_packages",
    "manifest_and_root",
    "locked_versions",  # cargo_outdated's: parses Cargo.lock (up to 32 MiB, some 30 s of TOML)
    "member_spec",
    "with_member_specs",
    "defined_in_source",
    "left_places",
}


class _Finder(ast.NodeVisitor):
    def __init__(self, module: str) -> None:
        self.module = module
        self.scope: list[tuple[bool, str]] = []  # (is a coroutine, name)
        self.awaited: set[int] = set()
        self.found: list[str] = []

    def _enter(self, node: ast.AST, coroutine: bool, name: str) -> None:
        self.scope.append((coroutine, name))
        self.generic_visit(node)
        self.scope.pop()

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._enter(node, True, node.name)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._enter(node, False, node.name)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._enter(node, False, "<lambda>")

    def visit_Await(self, node: ast.Await) -> None:
        self.awaited.add(id(node.value))  # anyio.Path(...).read_text() is awaited: not blocking
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in BLOCKING and id(node) not in self.awaited and self.scope and self.scope[-1][0]:
            self.found.append(f"{self.module}:{node.lineno} in {self.scope[-1][1]}: {name}(...)")
        self.generic_visit(node)


def blocking_calls_in_coroutines(source: str, module: str) -> list[str]:
    finder = _Finder(module)
    finder.visit(ast.parse(source, module))
    return finder.found


def test_no_coroutine_reads_the_project_on_the_loop() -> None:
    found = [
        call
        for package in PACKAGES
        for path in sorted((REPO / package).rglob("*.py"))
        if not path.relative_to(REPO).as_posix().startswith("rust_mcp/dev/")
        for call in blocking_calls_in_coroutines(
            path.read_text(encoding="utf-8"), path.relative_to(REPO).as_posix()
        )
    ]
    assert not found, "project reads on the event loop (hand them to off_loop):\n" + "\n".join(found)


SNIPPET = """
async def on_the_loop(root, workspace):
    stamps = scan_sources(root)
    manifest = find_workspace_root(root, roots)
    fine = await off_loop(scan_sources, root, what="x")
    also_fine = await anyio.Path(root).read_text()

    def worker():
        return read_manifest(root)

    return await anyio.to_thread.run_sync(lambda: package_directories(root))

def blocking_is_fine_here(root):
    return scan_sources(root)
"""


def test_the_checker_finds_the_calls_made_in_a_coroutine_itself() -> None:
    assert blocking_calls_in_coroutines(SNIPPET, "snippet.py") == [
        "snippet.py:3 in on_the_loop: scan_sources(...)",
        "snippet.py:4 in on_the_loop: find_workspace_root(...)",
    ]


@pytest.mark.anyio
async def test_the_pool_finds_a_workspace_root_off_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every rust-analyzer call asks the pool for its root (root_for); an uncached one parsed the
    package's manifest and its ancestors' on the loop."""
    root = tmp_path / "crate"
    (root / "src").mkdir(parents=True)
    (root / "src/lib.rs").write_text("pub fn f() {}\n")
    pool = warm_pool(root)
    searched: list[bool] = []
    original = cargo_projects.find_workspace_root

    def watched(*args: Any) -> Path:
        searched.append(on_event_loop())
        return original(*args)

    monkeypatch.setattr(cargo_projects, "find_workspace_root", watched)
    assert await pool.root_for(root / "src/lib.rs") == root
    assert searched == [False]
