"""A cargo tool's `path` may name a Rust source file: it stands for the package the file belongs to,
the nearest Cargo.toml above it inside the allowed roots (find_manifest, as for the directory
holding it). Any other file that is not a Cargo.toml is refused by name, with what is allowed. And
the list of files cargo_clippy_fix changed is cut to the structured budget, saying how many more."""

from __future__ import annotations

from pathlib import Path

import pytest

from cargo_mcp.results import render
from rust_mcp.core import budgets
from rust_mcp.core.cargo_projects import find_manifest
from rust_mcp.core.compiler_messages import Diagnostic, DiagnosticCounts
from rust_mcp.core.paging import json_size
from rust_mcp.core.roots import AllowedRoots, PathRefused
from tests.support.cargo_results import cargo_result


def workspace(tmp_path: Path) -> Path:
    (tmp_path / "ws" / "geometry" / "src" / "bin").mkdir(parents=True)
    (tmp_path / "ws" / "Cargo.toml").write_text('[workspace]\nmembers = ["geometry"]\n')
    (tmp_path / "ws" / "geometry" / "Cargo.toml").write_text(  # a member
        '[package]\nname = "geometry"\nversion = "0.1.0"\n'
    )
    (tmp_path / "ws" / "geometry" / "src" / "lib.rs").write_text("pub fn f() {}\n")
    (tmp_path / "ws" / "geometry" / "src" / "bin" / "tool.rs").write_text("fn main() {}\n")
    (tmp_path / "ws" / "build.rs").write_text("fn main() {}\n")
    (tmp_path / "ws" / "geometry" / "notes.txt").write_text("")
    (tmp_path / "loose.rs").write_text("fn main() {}\n")
    return tmp_path / "ws"


def test_a_source_file_stands_for_its_package(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    roots = AllowedRoots((tmp_path,))
    member = ws / "geometry" / "Cargo.toml"
    assert find_manifest(ws / "geometry" / "src" / "lib.rs", roots) == member
    assert find_manifest(ws / "geometry" / "src" / "bin" / "tool.rs", roots) == member
    assert find_manifest(ws / "build.rs", roots) == ws / "Cargo.toml"


def test_other_files_and_a_source_file_of_no_package_are_refused_by_name(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    notes = ws / "geometry" / "notes.txt"
    with pytest.raises(
        PathRefused, match=r"notes\.txt' is a file but not a Cargo\.toml or a \.rs source file"
    ):
        find_manifest(notes, AllowedRoots((tmp_path,)))
    with pytest.raises(PathRefused, match=r"no Cargo\.toml in '.*loose\.rs' or its parents up to the root"):
        find_manifest(tmp_path / "loose.rs", AllowedRoots((tmp_path,)))


def test_a_long_list_of_changed_files_is_cut_to_the_budget_with_a_note() -> None:
    files = [f"src/generated/module_{index:05}.rs" for index in range(20_000)]
    result = cargo_result(tool="cargo_clippy_fix", argv=["cargo", "clippy", "--fix"], changed_files=files)
    shaped = render.shape_for_model(result)
    assert json_size(shaped) <= budgets.CARGO_STRUCTURED_BUDGET
    kept = len(shaped.changed_files)
    assert 0 < kept < len(files) and shaped.changed_files == files[:kept]
    assert f"{len(files) - kept} more changed files are not listed here" in shaped.hints[-1]
    assert "git status" in shaped.hints[-1]
    assert len(render.result_text(shaped)) <= budgets.CARGO_TEXT_BUDGET


def test_the_files_a_fix_changed_outlast_the_diagnostics_left() -> None:
    """memchr's `cargo_clippy_fix` changed 18 files and left long diagnostics: the diagnostics are
    shed first, every changed file stays listed."""
    files = [f"src/arch/module_{index:02}.rs" for index in range(18)]
    left = [
        Diagnostic(
            level="warning", code="clippy::doc_markdown", message="m", rendered="warning: x\n" + "y" * 3_000
        )
        for _ in range(40)
    ]
    result = cargo_result(
        tool="cargo_clippy_fix",
        argv=["cargo", "clippy", "--fix"],
        changed_files=files,
        diagnostics=left,
        counts=DiagnosticCounts(warnings=40, total=40),
    )
    shaped = render.shape_for_model(result)
    assert json_size(shaped) <= budgets.CARGO_STRUCTURED_BUDGET
    assert shaped.changed_files == files
    assert len(shaped.diagnostics) < len(left)
