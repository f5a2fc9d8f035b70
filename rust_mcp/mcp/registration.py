"""MCP-facing helpers both servers use: building strict tools quickly, and result envelopes."""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver.context import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.context_injection import find_context_parameter
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict, ValidationError, create_model


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
    return FuncMetadata(arg_model=_StrictArguments, output_model=output_model)


class _StrictArguments(ArgModelBase):
    """Arguments a tool does not declare are an error (a misspelt `test_nmae` must not be dropped
    while the call runs unfiltered), and the schema says so with additionalProperties: false.
    Values must have the JSON type the schema names: no quiet coercion of "5" or "yes"."""

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid", strict=True)


def _argument_model(fn: Callable[..., Any], skip: str | None) -> type[ArgModelBase]:
    """One strict model from `fn`'s signature (what the SDK's func_metadata builds, made once and
    strict, instead of twice)."""
    fields: dict[str, Any] = {}
    for parameter in inspect.signature(fn, eval_str=True).parameters.values():
        if parameter.name == skip:
            continue
        if hasattr(BaseModel, parameter.name):
            raise ValueError(f"tool parameter {parameter.name!r} would shadow a pydantic attribute")
        annotation = Any if parameter.annotation is inspect.Parameter.empty else parameter.annotation
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        fields[parameter.name] = (annotation, default)
    return create_model(f"{fn.__name__}Arguments", __base__=_StrictArguments, **fields)


JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object"}


def _describe(value: Any) -> str:
    kind = "null" if value is None else JSON_TYPES.get(type(value), type(value).__name__)
    text = repr(value)
    return f"{kind} {text[:40]}{'…' if len(text) > 40 else ''}"


def explain_invalid_arguments(tool: str, error: ValidationError, schema: dict[str, Any]) -> str:
    """What is wrong with each argument, in words a model can act on, and what the tool takes."""
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    lines = [f"Refused: the arguments of {tool} are not valid, so nothing was run."]
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "arguments"
        if item["type"] == "extra_forbidden":
            close = difflib.get_close_matches(where, properties, n=1)
            suggestion = f"; did you mean `{close[0]}`?" if close else ""
            lines.append(f"- `{where}` is not a parameter of {tool}{suggestion}")
        elif item["type"] == "missing":
            lines.append(f"- `{where}` is required")
        else:
            lines.append(f"- `{where}`: {item['msg']} (got {_describe(item['input'])})")
    takes = ", ".join(f"{name}{' (required)' if name in required else ''}" for name in properties)
    lines.append(f"{tool} takes: {takes or 'no arguments'}.")
    return "\n".join(lines)


class _StrictTool(Tool):
    """A tool whose argument errors read as explanations rather than pydantic's report."""

    async def run(
        self, arguments: dict[str, Any], context: Context[Any, Any], convert_result: bool = False
    ) -> Any:
        try:
            return await super().run(arguments, context, convert_result)
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                raise ToolError(
                    explain_invalid_arguments(self.name, exc.__cause__, self.parameters)
                ) from None
            raise


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
    strict = _argument_model(fn, context_kwarg)
    output = _output_metadata(output_model)
    metadata = FuncMetadata(arg_model=strict, output_model=output_model, output_schema=output.output_schema)
    return _StrictTool(
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
