"""MCP-facing helpers both servers use: building strict tools quickly, and result envelopes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.context_injection import find_context_parameter
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata, func_metadata
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict


def text_result(text: str, *, is_error: bool = False) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=is_error)


def refusal_result(reason: str) -> CallToolResult:
    """A refused call: the model reads why, and knows nothing ran."""
    return text_result(f"Refused: {reason}\nNothing was run.", is_error=True)


def model_result(model: BaseModel, text: str, *, is_error: bool = False) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        # defaults (empty lists, false flags, null notes) are left out: clients such as Codex show the
        # model this JSON rather than the text, so every field present should carry information
        structured_content=model.model_dump(mode="json", exclude_defaults=True),
        is_error=is_error,
    )


@functools.cache
def _output_metadata(output_model: type[BaseModel]) -> FuncMetadata:
    """Output schemas are expensive to derive and shared by many tools: derive each once."""
    return FuncMetadata(arg_model=_NoArguments, output_model=output_model)


class _NoArguments(ArgModelBase):
    pass


def strict_tool(
    fn: Callable[..., Any],
    *,
    name: str,
    description: str,
    annotations: ToolAnnotations,
    output_model: type[BaseModel],
) -> Tool:
    """A Tool whose arguments come from `fn`'s signature and are checked strictly: an argument the
    tool does not declare (a misspelt `test_nmae`) is an error instead of being dropped while the
    call runs unfiltered, and the schema says `additionalProperties: false`. The tool returns a
    CallToolResult whose structured content follows `output_model`."""
    context_kwarg = find_context_parameter(fn)
    loose = func_metadata(fn, skip_names=[context_kwarg] if context_kwarg else [], structured_output=False)
    strict: type[ArgModelBase] = type(
        loose.arg_model.__name__,
        (loose.arg_model,),
        {"model_config": ConfigDict(**{**loose.arg_model.model_config, "extra": "forbid"})},
    )
    output = _output_metadata(output_model)
    metadata = FuncMetadata(arg_model=strict, output_model=output_model, output_schema=output.output_schema)
    return Tool(
        fn=fn,
        name=name,
        title=annotations.title,
        description=description,
        parameters=strict.model_json_schema(by_alias=True),
        fn_metadata=metadata,
        is_async=True,
        context_kwarg=context_kwarg,
        annotations=annotations,
    )
