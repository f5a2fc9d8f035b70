"""How a function becomes a strict MCP tool, for both servers: its arguments' model and listed
schema derived from its signature (parameter groups listed flat), made once per signature. What a
call meets once the tool is listed (arguments checked and regrouped, result envelopes, the client's
memory and policy) is in connections.py."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from mcp.server.mcpserver.context import Context
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.context_injection import find_context_parameter
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, ConfigDict, create_model

from .connections import ParameterGroup, StrictTool
from .schemas import compact_input_schema, compact_output_schema

# How long rust-analyzer-mcp lets its client list the tools before it starts the programs behind
# them (discovery competes with the answers to initialize and tools/list for the CPU); a call starts
# them sooner (ra_mcp/runtime_start.py)
START_DELAY = 1.0


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
    return StrictTool(
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
