"""MCP-facing helpers both servers use: building strict tools from a function's signature (with
parameter groups listed flat), and result envelopes."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import inspect
import typing
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, ClassVar

from mcp.server.mcpserver.context import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.context_injection import find_context_parameter
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from rust_mcp.core.budgets import ProgressCallback

from .progress import call_progress
from .schemas import compact_input_schema, compact_output_schema

# How long rust-analyzer-mcp lets its client list the tools before it starts the programs behind
# them (discovery competes with the answers to initialize and tools/list for the CPU); a call starts
# them sooner (ra_mcp/runtime_start.py)
START_DELAY = 1.0


def displayable(text: str) -> str:
    """`text` as valid UTF-8: a file name's undecodable bytes (which Python keeps as lone
    surrogates) shown as `\\xNN`. A hostile repository names files so; serializing them as they
    are would fail and end the server."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _displayable_values(value: Any) -> Any:
    if isinstance(value, str):
        return displayable(value)
    if isinstance(value, dict):
        return {displayable(str(k)): _displayable_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_displayable_values(item) for item in value]
    return value


def text_result(text: str, *, is_error: bool = False) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=displayable(text))], is_error=is_error)


def refusal_result(reason: str) -> CallToolResult:
    """A refused call: the model reads why, and knows nothing ran."""
    return text_result(f"Refused: {reason}\nNothing was run.", is_error=True)


def model_result(model: BaseModel, text: str, *, is_error: bool = False) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=displayable(text))],
        # defaults (empty lists, false flags, null notes) are left out: clients such as Codex show the
        # model this JSON rather than the text, so every field present should carry information
        structured_content=_displayable_values(model.model_dump(mode="json", exclude_defaults=True)),
        is_error=is_error,
    )


@functools.cache
def _output_schema(output_model: type[BaseModel]) -> dict[str, Any]:
    """Output schemas are expensive to derive and shared by many tools: derive each once. The listed
    schema is the compact one; results are still validated against the whole model."""
    return compact_output_schema(output_model)


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


# (name, context parameter, signature, its defaults' types) -> argument model and listed input schema:
# an engine builds a server, and so its tools, for every session; pydantic's derivation is most of that
_DERIVED: dict[Any, tuple[type[ArgModelBase], dict[str, Any]]] = {}
DERIVED_KEPT = 1000  # both servers' tools at a few settings are under 100


def _checked_arguments(fn: Callable[..., Any], skip: str | None) -> tuple[type[ArgModelBase], dict[str, Any]]:
    """`fn`'s strict argument model and the input schema listed for it, derived once per signature
    (equal names, kinds, annotations and defaults; a Field in an annotation is equal only to itself,
    so builders that make their signatures once, such as cargo_mcp.tool_set, find them again)."""
    signature = inspect.signature(fn, eval_str=True)
    key: Any = (fn.__name__, skip, signature, tuple(type(p.default) for p in signature.parameters.values()))
    try:
        found = _DERIVED.get(key)
    except TypeError:  # an unhashable default or annotation: derived every time
        key, found = None, None
    if found is None:
        model = _argument_model(fn, skip)
        found = model, compact_input_schema(model.model_json_schema(by_alias=True))
        if key is not None and len(_DERIVED) < DERIVED_KEPT:  # bounded, should a builder make new Fields
            _DERIVED[key] = found
    return found[0], dict(found[1])


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
    strict, parameters = _checked_arguments(fn, context_kwarg)
    metadata = FuncMetadata(
        arg_model=strict, output_model=output_model, output_schema=_output_schema(output_model)
    )
    return _StrictTool(
        fn=fn,
        name=name,
        description=description,
        parameters=parameters,
        fn_metadata=metadata,
        title=annotations.title,  # what clients show: the title and the hints
        annotations=annotations,
        is_async=True,
        context_kwarg=context_kwarg,
    )


class ParameterGroup:
    """Base of keyword-only dataclasses whose fields are tool parameters: a tool function's parameter
    annotated with a group is listed to clients as the group's fields, flat (in the group's ORDER,
    then as declared), and handed to the function as one object (see `regroup`)."""

    ORDER: ClassVar[tuple[str, ...]] = ()


def _group_parameters(group: type[ParameterGroup]) -> list[inspect.Parameter]:
    hints = typing.get_type_hints(group, include_extras=True)
    rank = {name: index for index, name in enumerate(group.ORDER)}
    fields = dataclasses.fields(group)  # type: ignore[arg-type]
    return [
        inspect.Parameter(
            field.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default,
            annotation=hints[field.name],
        )
        for field in sorted(fields, key=lambda field: rank.get(field.name, len(rank)))
    ]


def flat_parameters(
    fn: Callable[..., Any], skip: int = 0
) -> tuple[list[inspect.Parameter], dict[str, type[ParameterGroup]]]:
    """`fn`'s parameters after the first `skip`, keyword-only, each group parameter replaced by the
    group's fields; and which parameters were groups."""
    hints = typing.get_type_hints(fn, include_extras=True)
    parameters: list[inspect.Parameter] = []
    groups: dict[str, type[ParameterGroup]] = {}
    for parameter in list(inspect.signature(fn).parameters.values())[skip:]:
        annotation = hints[parameter.name]
        if isinstance(annotation, type) and issubclass(annotation, ParameterGroup):
            groups[parameter.name] = annotation
            parameters += _group_parameters(annotation)
        else:
            parameters.append(parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=annotation))
    return parameters, groups


def regroup(arguments: dict[str, Any], groups: dict[str, type[ParameterGroup]]) -> dict[str, Any]:
    """Flat arguments (as the client sent them) as the function with group parameters takes them."""
    values = dict(arguments)
    for name, group in groups.items():
        fields = [field.name for field in dataclasses.fields(group)]  # type: ignore[arg-type]
        values[name] = group(**{field: values.pop(field) for field in fields if field in values})
    return values


def tool_function(
    run: Callable[..., Awaitable[CallToolResult]],
    *,
    name: str,
    description: str,
    parameters: list[inspect.Parameter],
    output_model: type[BaseModel],
) -> Callable[..., Awaitable[CallToolResult]]:
    """`run(ctx, **arguments)` presented as a function whose signature is `parameters` and the context,
    so the tool's input schema comes from them."""
    listed = [*parameters, inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context)]
    returns = Annotated[CallToolResult, output_model]
    run.__signature__ = inspect.Signature(listed, return_annotation=returns)  # type: ignore[attr-defined]
    run.__annotations__ = {parameter.name: parameter.annotation for parameter in listed} | {"return": returns}
    run.__name__ = name
    run.__doc__ = description
    return run


def progress_of(ctx: Context[Any, Any]) -> ProgressCallback:
    """A tool call's progress callback, its gate (progress.call_progress) made at the first report:
    most calls report nothing (a warm answer, a repeat answered from a finished run)."""
    made: list[ProgressCallback] = []

    async def report(progress: float, total: float | None, message: str) -> None:
        if not made:
            made.append(call_progress(ctx))
        await made[0](progress, total, message)

    return report
