"""Fast tier: the pages of one workspace-diagnostics answer come from one workspace pass (issue 22).
Each page used to pull every file and run the check again: a large workspace's page 2 cost as much as
page 1, and its total and order could move between pages. Now the whole pass is kept per workspace,
rust-analyzer and `include_check`, as references are, while no file changes: the next page asks
rust-analyzer nothing. A file changed on disk makes a new pass; a partial pass (a file not analysed
by the deadline, the check not finished) is never served as the answer, only gone on from: the next
call pulls only the files still missing and runs the check. rust-analyzer is a stand-in here (no
processes): it answers each file's pull with a warning per `let _unused` line and, asked to check,
"publishes" cargo's copy of those warnings with one `progress` begin and end, as its flycheck does."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import anyio
import pytest

from ra_mcp.lsp.client import AnalyzerClient
from ra_mcp.lsp.discovery import Analyzer
from ra_mcp.lsp.lazy_types import lsp
from ra_mcp.lsp.state import AnalyzerState
from ra_mcp.models import DiagnosticReport
from ra_mcp.service import AnalyzerService
from ra_mcp.tools.declaration import AnalyzerCall
from ra_mcp.tools.diagnostics import rust_analyzer_workspace_diagnostics
from ra_mcp.tools.mcp_adapter import run_tool
from ra_mcp.tools.parameters import Checking, Paging
from ra_mcp.workspace.change_journal import ChangeJournal
from ra_mcp.workspace.pool import WorkspacePool
from ra_mcp.workspace.workspaces import Workspace, is_watched
from rust_mcp.core import budgets
from rust_mcp.core.paging import next_page_offset
from rust_mcp.core.roots import AllowedRoots
from tests.support.encoded_messages import decoded

pytestmark = pytest.mark.anyio
ANALYZER = Analyzer("/usr/bin/rust-analyzer", "rust-analyzer 1.95.0")
UNUSED = "    let _unused = 1;"


@dataclass
class Command:
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class StandIn:
    """What the tool uses of rust-analyzer's client; counts the pulls and the checks asked for."""

    root: Path
    state: AnalyzerState = field(default_factory=lambda: AnalyzerState(health="ok", quiescent=True))
    command: Command = field(default_factory=Command)
    stderr: list[str] = field(default_factory=list)
    alive: bool = True
    exit_code: int | None = None
    slow: set[str] = field(default_factory=set)  # files whose first pull outlasts its timeout
    pulls: int = 0
    checks: int = 0

    def findings(self, uri: str, source: str) -> list[lsp.Diagnostic]:
        lines = Path(uri.removeprefix("file://")).read_text().split("\n")
        return [
            lsp.Diagnostic(
                range=lsp.Range(
                    start=lsp.Position(line=n, character=8), end=lsp.Position(line=n, character=15)
                ),
                severity=lsp.DiagnosticSeverity.Warning,
                code="unused_variables",
                source=source,
                message="unused variable: `_unused`",
            )
            for n, text in enumerate(lines)
            if text == UNUSED
        ]

    async def request(self, method: str, params: Any, timeout: float = 30.0, **_: Any) -> Any:
        if method == "rust-analyzer/analyzerStatus":  # the check's wait: all sent before is in
            return ""
        assert method == lsp.TEXT_DOCUMENT_DIAGNOSTIC
        self.pulls += 1
        if params.text_document.uri in self.slow:
            self.slow.discard(params.text_document.uri)
            await anyio.sleep(timeout)
            raise TimeoutError
        return lsp.FullDocumentDiagnosticReport(
            items=self.findings(params.text_document.uri, "rust-analyzer")
        )

    def notify_encoded(self, message: bytes) -> None:
        self.notify(*decoded(message))

    def notify(self, method: str, params: Any) -> None:
        if method != "rust-analyzer/runFlycheck":
            return  # the re-sync's didOpen / didChange: the files are read from disk above
        self.checks += 1
        token = f"rust-analyzer/flycheck/{self.checks}"
        self.state.progress_event(token, {"kind": "begin", "title": "cargo check"})
        for path in sorted(self.root.rglob("*.rs")):
            self.state.publish_event(path.as_uri(), self.findings(path.as_uri(), "rustc"))
        self.state.progress_event(token, {"kind": "end"})


def served(root: Path, client: StandIn) -> AnalyzerCall:
    """An AnalyzerCall whose pool holds `root`'s workspace with the stand-in as its rust-analyzer."""
    pool = WorkspacePool(AllowedRoots((root,)), ANALYZER, {})
    journal = ChangeJournal(root, is_watched, use_inotify=False)
    pool.workspaces[(root, None)] = Workspace(
        root=root,
        client=cast(AnalyzerClient, client),
        scope=pool.scope,
        journal=journal,
        snapshot=dict(journal.files),
    )
    return AnalyzerCall(AnalyzerService(pool.roots, pool, root / "logs"))


def project(root: Path) -> Path:
    (root / "src").mkdir()
    (root / "Cargo.toml").write_text('[package]\nname = "pages"\nversion = "0.1.0"\nedition = "2021"\n')
    for name in ("a", "b", "lib"):
        (root / "src" / f"{name}.rs").write_text(f"fn {name}() {{\n{UNUSED}\n{UNUSED}\n}}\n")
    return root


async def page(call: AnalyzerCall, root: Path, offset: int, include_check: bool = True) -> DiagnosticReport:
    arguments = {
        "workspace": str(root),
        "checking": Checking(include_check=include_check),
        "paging": Paging(limit=4, offset=offset),
    }
    return await run_tool(rust_analyzer_workspace_diagnostics, call, arguments)


async def test_the_next_page_comes_from_the_kept_pass_until_a_file_changes(tmp_path: Path) -> None:
    root = project(tmp_path)
    client = StandIn(root)
    call = served(root, client)
    first = await page(call, root, 0)
    assert (client.pulls, client.checks) == (3, 1)  # one pass: every file pulled, one check
    assert first.check_ran and first.counts.warnings == 6 and len(first.diagnostics) == 4
    assert next_page_offset(first.note) == 4
    second = await page(call, root, 4)
    assert (client.pulls, client.checks) == (3, 1)  # page 2 asked rust-analyzer nothing
    assert second.counts == first.counts and second.check_ran
    assert next_page_offset(second.note) is None
    both = [(d.path, d.line) for d in first.diagnostics + second.diagnostics]
    assert both == sorted(set(both)) and len(both) == 6  # one order over the pages, nothing twice
    again = await page(call, root, 0)
    assert again.diagnostics == first.diagnostics and client.pulls == 3  # page 1 again: the same
    with (root / "src" / "a.rs").open("a") as source:  # a change on disk: the kept pass is stale
        source.write(f"fn more() {{\n{UNUSED}\n}}\n")
    changed = await page(call, root, 4)
    assert (client.pulls, client.checks) == (6, 2)  # a new pass and a new check for the new files
    assert changed.counts.warnings == 7 and len(changed.diagnostics) == 3
    assert next_page_offset(changed.note) is None


async def test_the_check_setting_is_part_of_the_key(tmp_path: Path) -> None:
    root = project(tmp_path)
    client = StandIn(root)
    call = served(root, client)
    checked = await page(call, root, 0)
    unchecked = await page(call, root, 0, include_check=False)
    assert client.pulls == 6 and client.checks == 1  # another answer: rust-analyzer's own findings only
    assert checked.counts.warnings == 6 and checked.counts.unconfirmed == 0
    assert unchecked.counts.warnings == 0 and unchecked.counts.unconfirmed == 6
    await page(call, root, 4, include_check=False)
    await page(call, root, 4)
    assert client.pulls == 6 and client.checks == 1  # both kept, each for its own pages


async def test_a_partial_pass_goes_on_where_it_stopped(tmp_path: Path) -> None:
    """A pass whose check could not finish is not served as the answer: the next call runs the check,
    but pulls no file again (their findings are kept for the same files)."""
    root = project(tmp_path)
    client = StandIn(root)
    client.state.health, client.state.status_message = "error", "Failed to load workspace"
    call = served(root, client)
    first = await page(call, root, 0)
    assert not first.check_ran and first.check_error and client.checks == 0 and client.pulls == 3
    client.state.health, client.state.status_message = "ok", None  # loaded now
    second = await page(call, root, 0)
    assert client.checks == 1 and client.pulls == 3
    assert second.check_ran and second.counts.warnings == 6 and second.counts.unconfirmed == 0


async def test_files_not_analysed_by_the_deadline_are_pulled_by_the_next_call(tmp_path: Path) -> None:
    root = project(tmp_path)
    client = StandIn(root, slow={(root / "src" / "b.rs").as_uri()})
    call = served(root, client)
    call.service.answer_deadline = 2.0  # the pulls may take half: b.rs misses it once
    first = await page(call, root, 0, include_check=False)
    assert client.pulls == 3 and first.files_checked == 2 and "1 file(s) not analysed" in (first.note or "")
    assert first.counts.unconfirmed == 4
    second = await page(call, root, 0, include_check=False)
    assert client.pulls == 4  # b.rs alone
    assert (
        second.files_checked == 3
        and second.counts.unconfirmed == 6
        and "not analysed" not in (second.note or "")
    )
    await page(call, root, 4, include_check=False)
    assert client.pulls == 4  # complete now: kept for its pages


async def test_an_answer_made_across_a_change_is_not_kept(tmp_path: Path) -> None:
    """A pass that began before a file changed (another call re-synced meanwhile) is stale when done:
    kept, it would serve the old files' findings as the new files' pages."""
    root = project(tmp_path)
    call = served(root, StandIn(root))
    workspace = call.service.pool.workspaces[(root, None)]
    made_at = workspace.generation
    await workspace.push_written([root / "src" / "a.rs"])  # what a re-sync does for a changed file
    workspace.remember(("workspace_diagnostics", True), "stale", made_at)
    assert workspace.remembered(("workspace_diagnostics", True)) is None
    workspace.remember(("workspace_diagnostics", True), "fresh", workspace.generation)
    assert workspace.remembered(("workspace_diagnostics", True)) == "fresh"


async def test_a_generated_file_over_the_budget_is_left_to_cargo_check(tmp_path: Path) -> None:
    """A file over MAX_PULLED_BYTES (generated tables: one kept rust-analyzer busy 20 minutes) is not
    pulled; the note names it, cargo check's findings in it are listed, and the pass is whole."""
    root = project(tmp_path)
    tables = root / "src" / "tables.rs"
    filler = "// generated\n" * (budgets.MAX_PULLED_BYTES // 13 + 1)
    tables.write_text(f"fn tables() {{\n{UNUSED}\n}}\n{filler}")
    client = StandIn(root)
    call = served(root, client)
    first = await page(call, root, 0)
    assert client.pulls == 3 and first.files_checked == 3  # tables.rs not asked about, not counted
    assert "1 file(s) over 512 KiB left to cargo check" in (first.note or "")
    assert "src/tables.rs" in (first.note or "") and "not analysed" not in (first.note or "")
    assert first.counts.warnings == 7 and first.counts.unconfirmed == 0  # cargo's warning in it: listed
    await page(call, root, 4)
    assert client.pulls == 3 and client.checks == 1  # a whole pass: page 2 asks nothing
