"""Where an answer promises a file (a full log, a whole diff), the file exists and its path is in the
answer: every cargo tool's text, rendered with and without a log, and the edit and snapshot diffs.
Real cargo calls, checked the same way, are in tests/real/test_promised_files.py."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from cargo_mcp.parse.snapshots import clip_diffs
from cargo_mcp.results import render as cargo_render
from cargo_mcp.results.models import CargoResult, FormatIssue
from cargo_mcp.results.workflow_models import PendingSnapshot
from cargo_mcp.table.rows import COMMANDS
from ra_mcp.models import EditResult, FileDiff
from ra_mcp.tools import render as analyzer_render
from rust_mcp.core.budgets import MAX_LOG_HEAD_BYTES
from rust_mcp.core.compiler_messages import Diagnostic, DiagnosticCounts
from rust_mcp.core.full_text import save_full_text
from tests.support.promises import broken_promises


def _diagnostic(index: int) -> Diagnostic:
    return Diagnostic(
        level="warning",
        message=f"finding {index}",
        file="src/lib.rs",
        line=index + 1,
        column=1,
        rendered=f"warning: finding {index}\n" + "  | line\n" * 40,
    )


def _every_shape(tool: str, log_path: str | None) -> list[CargoResult]:
    """A result of `tool` in each shape whose text can mention a log: cut diagnostics, more diagnostics
    counted than kept, a cut tree, metadata that is not JSON, formatting diffs, a failed log."""
    base = CargoResult(
        tool=tool,
        ok=False,
        exit_code=101,
        summary=f"{tool} failed",
        argv=["cargo"],
        cwd="/p",
        manifest="/p/Cargo.toml",
        toolchain=None,
        duration_ms=1,
        log_path=log_path,
    )
    many = [_diagnostic(i) for i in range(80)]
    saved = "The full log could not be saved (disk full); the output above is all there is."
    shapes: list[dict[str, object]] = [
        {"diagnostics": many, "counts": DiagnosticCounts(warnings=80, total=80)},
        {"diagnostics": many[:3], "counts": DiagnosticCounts(warnings=3000, total=3000)},
        {"data": {"lines": ["a v0.1.0"], "cut": True}},
        {"data": {"error": "cargo metadata printed something that is not JSON"}},
        {"format_issues": [FormatIssue(file="src/lib.rs", line=1, diff="-a\n+b")], "full_diff": log_path},
        {"hints": [saved]},
    ]
    return [base.model_copy(update=shape, deep=True) for shape in shapes]


@pytest.mark.parametrize("with_log", [True, False], ids=["log kept", "no log"])
def test_every_cargo_text_names_the_log_it_promises(tmp_path: Path, with_log: bool) -> None:
    log = tmp_path / "run.log"
    log.write_text("everything cargo printed\n")
    for command in COMMANDS:
        for result in _every_shape(command.name, str(log) if with_log else None):
            text = cargo_render.result_text(cargo_render.shape_for_model(result, ranked=80))
            assert broken_promises(text) == [], (command.name, text[-600:])
    assert broken_promises("hint: see the log") == ["hint: see the log"]  # the check itself can fail


def test_full_text_is_private_capped_and_named_only_when_written(tmp_path: Path) -> None:
    saved = save_full_text(tmp_path / "logs", "diff", "x" * (MAX_LOG_HEAD_BYTES + 10))
    assert saved is not None and Path(saved).parent == tmp_path / "logs"
    assert stat.S_IMODE(Path(saved).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "logs").stat().st_mode) == 0o700
    assert Path(saved).read_text().endswith("\n[10 more bytes cut]\n")
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    assert save_full_text(blocked, "diff", "text") is None  # nothing promised


def test_snapshot_diffs_are_cut_in_the_answer_and_whole_in_the_file(tmp_path: Path) -> None:
    long = "\n".join(f"+line {i}" for i in range(400))
    snapshots = [PendingSnapshot(name=f"tests/snapshots/s{i}.snap", kind="file", diff=long) for i in range(3)]
    path = clip_diffs(snapshots, tmp_path)
    assert path is not None and Path(path).read_text().count("+line 399") == 3
    assert all(len(s.diff) < len(long) for s in snapshots)
    assert clip_diffs([PendingSnapshot(name="a.snap", kind="file", diff="-a\n+b")], tmp_path) is None


def test_an_edit_text_names_its_whole_diff(tmp_path: Path) -> None:
    whole = tmp_path / "whole.diff.log"
    whole.write_text("--- a/src/lib.rs\n+++ b/src/lib.rs\n")
    result = EditResult(
        title="rename a to b",
        applied=False,
        files=[
            FileDiff(path="src/lib.rs", action="edit", added=1, removed=1, diff="-a\n+b", omitted_lines=9)
        ],
        total_files=1,
        full_diff=str(whole),
        note=f"preview only; 1 file diff(s) show their first hunks only; the whole diff (1 files): {whole}",
    )
    assert broken_promises(analyzer_render.edit(result)) == []
