"""Fast tier: private parts of the MCP SDK are reached in one adapter module only
(rust_mcp/mcp/sdk_internals.py, which says why each is needed)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.support import REPO

ADAPTER = REPO / "rust_mcp" / "mcp" / "sdk_internals.py"
PRIVATE_ATTRIBUTES = frozenset({"_lowlevel_server"})
PRIVATE_MODULE = re.compile(r"^mcp(_types)?(\.[a-z_]+)*\._[a-z]")


def private_uses(path: Path) -> list[str]:
    """Where `path` imports a private SDK module or reads a private SDK attribute."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and PRIVATE_MODULE.match(node.module):
            found.append(f"{node.lineno}: from {node.module} import ...")
        elif isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names if PRIVATE_MODULE.match(a.name)]
        elif isinstance(node, ast.Attribute) and node.attr in PRIVATE_ATTRIBUTES:
            found.append(f"{node.lineno}: .{node.attr}")
    return found


def test_only_the_adapter_reaches_into_the_sdk() -> None:
    files = [
        p for package in ("rust_mcp", "cargo_mcp", "ra_mcp") for p in sorted((REPO / package).rglob("*.py"))
    ]
    outside = {
        str(path.relative_to(REPO)): uses
        for path in files
        if path != ADAPTER and (uses := private_uses(path))
    }
    assert outside == {}, f"private SDK parts outside {ADAPTER.relative_to(REPO)}: {outside}"
    assert private_uses(ADAPTER), "the adapter no longer needs the SDK's private parts: delete it"


def test_the_check_sees_a_private_use(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from mcp.server._otel import X\nimport mcp.server._otel\nserver._lowlevel_server.run()\n"
    )
    assert private_uses(sample) == [
        "1: from mcp.server._otel import ...",
        "2: import mcp.server._otel",
        "3: ._lowlevel_server",
    ]
