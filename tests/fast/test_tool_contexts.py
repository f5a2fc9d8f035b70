"""Each rust-analyzer tool's body is handed a context the declaration resolves from the tool's own
arguments (tools/declaration.py); a declaration whose parameters cannot give its context would fail
on every call. Checked here for every listed tool, without starting anything."""

from __future__ import annotations

import typing

from ra_mcp.tool_set import TOOLS
from ra_mcp.tools.declaration import AnalyzerCall, AtPosition, InFile, InFileOrWorkspace, InWorkspace
from ra_mcp.tools.parameters import FilePoint, Position


def parameter_types(tool: typing.Any) -> dict[str, typing.Any]:
    hints = typing.get_type_hints(tool.function)
    hints.pop("return")
    first = next(iter(hints))
    return {name: kind for name, kind in hints.items() if name != first}


def test_every_context_comes_from_the_tools_own_parameters() -> None:
    wrong = []
    for tool in TOOLS:
        kinds = parameter_types(tool)
        groups = {kind for kind in kinds.values() if isinstance(kind, type)}
        has_position = any(issubclass(kind, Position | FilePoint) for kind in groups)
        has_file = "file_path" in kinds or any(issubclass(kind, FilePoint) for kind in groups)
        fits = {
            AtPosition: has_position,
            InFile: has_file,
            InWorkspace: "workspace" in kinds,
            InFileOrWorkspace: "file_path" in kinds and "workspace" in kinds,
            AnalyzerCall: True,
        }[tool.context]
        if not fits:
            wrong.append(f"{tool.name}: {tool.context.__name__} from {sorted(kinds)}")
    assert wrong == []


def test_the_contexts_in_use() -> None:
    """Most tools run on a resolved place; only the two that manage the server's own state do not."""
    plain = sorted(tool.name for tool in TOOLS if tool.context is AnalyzerCall)
    assert plain == ["rust_analyzer_set_workspace", "rust_analyzer_status"]
    assert sum(tool.context is AtPosition for tool in TOOLS) == 12
