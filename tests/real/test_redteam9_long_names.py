"""Ninth red team: Rust identifiers have no length limit, and an agent names things. A crate whose
items carry 30,000-character names (a function, a struct, a module, a trait method, a test) answers
every read-only tool that lists names within the budgets (8 KiB of text, 10 KiB of structured JSON)
and says what it left out. Real rust-analyzer, through rust-analyzer-mcp on stdio."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from tests.support.answer_budget import budget_problems

pytestmark = [pytest.mark.anyio, pytest.mark.real]
LONG = 30_000


def _crate(root: Path) -> Path:
    crate = root / "long_names"
    (crate / "src").mkdir(parents=True, exist_ok=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "long_names"\nversion = "0.1.0"\nedition = "2021"\n')
    fn, ty, module = "f" * LONG, "T" * LONG, "m" * LONG
    method = "g" * LONG
    (crate / "src" / "lib.rs").write_text(
        f"pub mod {module} {{\n    pub struct {ty} {{ pub field: u32 }}\n}}\n"
        f"pub trait Named {{ fn {method}(&self) -> u32; }}\n"
        f"impl Named for {module}::{ty} {{ fn {method}(&self) -> u32 {{ self.field }} }}\n"
        f"pub fn {fn}(value: &{module}::{ty}) -> u32 {{ value.{method}() + undefined_name }}\n"
        f"pub fn caller() -> u32 {{ {fn}(&{module}::{ty} {{ field: 1 }}) }}\n"
        f"#[test]\nfn {fn}_test() {{ assert_eq!(caller(), 1); }}\n"
    )
    return crate


async def over_budget(ra: Client, calls: list[tuple[str, dict[str, Any]]]) -> dict[str, list[str]]:
    """Each call's budget problems, by tool name (none: every answer within its budgets)."""
    problems: dict[str, list[str]] = {}
    for name, arguments in calls:
        if found := budget_problems(await ra.call_tool(name, arguments)):
            problems[name] = found
    return problems


async def test_answers_about_very_long_names_keep_the_budgets(ra: Client, scratch: Path) -> None:
    crate = _crate(scratch / "redteam9_long")
    lib = str(crate / "src" / "lib.rs")
    at_fn: dict[str, Any] = {"file_path": lib, "line": 5, "column": 10}
    at_caller: dict[str, Any] = {"file_path": lib, "line": 6, "column": 10}
    at_type: dict[str, Any] = {"file_path": lib, "line": 2, "column": 16}
    calls: list[tuple[str, dict[str, Any]]] = [
        ("rust_analyzer_symbols", {"file_path": lib}),
        ("rust_analyzer_workspace_symbol", {"workspace": str(crate), "query": "fff"}),
        ("rust_analyzer_hover", at_fn),
        ("rust_analyzer_definition", at_caller),
        ("rust_analyzer_references", at_fn),
        ("rust_analyzer_implementations", at_type),
        ("rust_analyzer_call_hierarchy", at_fn),
        ("rust_analyzer_diagnostics", {"file_path": lib}),
        ("rust_analyzer_runnables", {"file_path": lib}),
        ("rust_analyzer_completion", {"file_path": lib, "line": 6, "column": 25}),
    ]
    assert not (problems := await over_budget(ra, calls)), problems


async def test_answers_about_very_long_messages_keep_the_budgets(ra: Client, scratch: Path) -> None:
    """Messages the project writes itself: a 30,000-character `compile_error!`, deprecation note
    and doc comment, in rust-analyzer's diagnostics, workspace diagnostics, hover and code actions."""
    crate = scratch / "redteam9_long_messages"
    (crate / "src").mkdir(parents=True, exist_ok=True)
    manifest = '[package]\nname = "long_messages"\nversion = "0.1.0"\nedition = "2021"\n'
    (crate / "Cargo.toml").write_text(manifest)
    words = " ".join(["word"] * (LONG // 5))
    (crate / "src" / "lib.rs").write_text(
        f'#[deprecated(note = "{words}")]\n/// {words}\npub fn old() {{}}\n'
        f"pub fn user() {{ old(); let unused = 1; }}\n"
        f'compile_error!("{words}");\n'
    )
    lib = str(crate / "src" / "lib.rs")
    calls: list[tuple[str, dict[str, Any]]] = [
        ("rust_analyzer_diagnostics", {"file_path": lib}),
        ("rust_analyzer_workspace_diagnostics", {"workspace": str(crate)}),
        ("rust_analyzer_hover", {"file_path": lib, "line": 4, "column": 17}),
        ("rust_analyzer_code_actions", {"file_path": lib, "line": 4, "column": 30}),
    ]
    assert not (problems := await over_budget(ra, calls)), problems
