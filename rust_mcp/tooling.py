"""MCP-facing helpers both servers use: result envelopes and strict argument checking."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel, ConfigDict


def text_result(text: str, *, is_error: bool = False) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=is_error)


def refusal_result(reason: str) -> CallToolResult:
    """A refused call: the model reads why, and knows nothing ran."""
    return text_result(f"Refused: {reason}\nNothing was run.", is_error=True)


def model_result(model: BaseModel, text: str, *, is_error: bool = False) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=model.model_dump(mode="json", exclude_none=False),
        is_error=is_error,
    )


def forbid_unknown_arguments(server: MCPServer[Any]) -> None:
    """Make every tool refuse arguments it does not declare (a misspelt `test_nmae` would otherwise
    be dropped silently and the call would run unfiltered), and publish additionalProperties: false."""
    manager = server._tool_manager  # the SDK offers no public hook for argument-model config
    for tool in manager.list_tools():
        model = tool.fn_metadata.arg_model
        model.model_config = ConfigDict(**{**model.model_config, "extra": "forbid"})
        model.model_rebuild(force=True)
        tool.parameters = model.model_json_schema(by_alias=True)
