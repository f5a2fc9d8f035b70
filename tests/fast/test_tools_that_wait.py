"""Only a tool whose declaration has a `wait` (the Checking group) reads the wait=true arguments before
its call: every other call goes straight to the answer deadline (the hover path crosses no parameter
module), and a `wait` argument it does not declare changes nothing."""

from __future__ import annotations

from ra_mcp.tool_set import TOOLS


def test_the_two_diagnostics_tools_and_no_other_can_wait() -> None:
    waiting = sorted(tool.name for tool in TOOLS if tool.can_wait)
    assert waiting == ["rust_analyzer_diagnostics", "rust_analyzer_workspace_diagnostics"]


def test_can_wait_follows_the_declared_parameters() -> None:
    for tool in TOOLS:
        properties = tool.function.__annotations__
        assert tool.can_wait == any("Checking" in str(kind) for kind in properties.values()), tool.name
