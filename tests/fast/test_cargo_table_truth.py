"""Fast tier: the cargo table is the whole truth. No code in cargo_mcp compares with, looks up or lists
a tool's name: what a tool does is a field of its row (cargo_mcp/table/rows.py), and each kind of
output is mapped to its result builder by a table (cargo_mcp/run/result_parts.py)."""

from __future__ import annotations

import ast
from typing import get_args

from cargo_mcp.run.result_parts import RESULT_PARTS
from cargo_mcp.table import rows
from cargo_mcp.table.command import Output
from cargo_mcp.table.rows import COMMANDS
from tests.support import REPO

NAMES = frozenset(command.name for command in COMMANDS)


def name_branches(source: str, names: frozenset[str] = NAMES) -> list[int]:
    """Lines where a tool's name is compared (`==`, `in`), used as a key, or put in a set or tuple."""
    found: list[int] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
        elif isinstance(node, ast.Subscript):
            operands = [node.slice]
        elif isinstance(node, ast.Set | ast.Tuple | ast.List):
            operands = list(node.elts)
        else:
            continue
        if any(isinstance(item, ast.Constant) and item.value in names for item in operands):
            found.append(node.lineno)
    return found


def test_no_code_branches_on_a_tool_name() -> None:
    files = sorted((REPO / "cargo_mcp").rglob("*.py"))
    branches = {
        str(path.relative_to(REPO)): lines for path in files if (lines := name_branches(path.read_text()))
    }
    assert branches == {}, f"branches on tool names (give the row a field instead): {branches}"


def test_the_finder_finds_each_kind_of_branch() -> None:
    source = 'if a.name == "cargo_clean": pass\nx = ROWS["cargo_check"]\nY = {"cargo_run", "z"}\n'
    assert name_branches(source) == [1, 2, 3]
    assert name_branches('NAME = "cargo_check"\nf(name="cargo_check")\n') == []


def test_every_kind_of_output_has_a_result_builder() -> None:
    assert set(RESULT_PARTS) == set(get_args(Output))
    assert {command.output for command in COMMANDS} <= set(RESULT_PARTS)


def test_rows_are_written_with_keywords() -> None:
    tree = ast.parse((REPO / "cargo_mcp" / "table" / "rows.py").read_text())
    rows = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "CargoCommand"
    ]
    assert len(rows) == len(COMMANDS)
    assert all(not row.args for row in rows), "a row's fields are named: CargoCommand(name=..., ...)"


def test_rows_are_named_constants() -> None:
    constants = {value.name for value in vars(rows).values() if value in COMMANDS}
    assert constants == NAMES
