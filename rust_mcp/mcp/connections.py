"""One tool call as the MCP layer meets it, for both servers (the tools are declared in
registration.py): what the call's client gave the server, its arguments checked and regrouped, its
progress, and the envelopes its answer goes back in.

What a client gives: per-client memory (a working directory, a default workspace) that is never
shared between clients, and the sandbox policy Codex sends with each call (`codex/sandbox-state-meta`,
declared by codex_sandbox). Over stdio a server process has exactly one client, so process-wide state
is per connection. Over HTTP, a handshake-era client has a session whose `Connection` persists across
requests; a 2026-07-28 client sends self-contained requests, so there is nothing to remember between
calls.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from typing import Any, ClassVar

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp_types import CallToolResult, TextContent
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel, ValidationError

from rust_mcp.core.budgets import ProgressCallback
from rust_mcp.core.client_policy import CODEX_SANDBOX_META, ClientPolicy, parse_codex_sandbox_state

from .progress import call_progress


class ConnectionMemory:
    def __init__(self) -> None:
        self.one_client_per_process = False
        self._process_state: dict[str, Any] = {}

    def state(self, ctx: Context[Any, Any]) -> dict[str, Any] | None:
        """The dict that persists for this client, or None when the connection is stateless."""
        if self.one_client_per_process:
            return self._process_state
        # The SDK keeps the per-client Connection on the request's session without a public accessor.
        connection = getattr(ctx.request_context.session, "_connection", None)
        if connection is None:
            return None
        if connection.session_id is None and connection.protocol_version in MODERN_PROTOCOL_VERSIONS:
            return None
        state: dict[str, Any] = connection.state
        return state

    def get(self, ctx: Context[Any, Any], key: str) -> Any:
        state = self.state(ctx)
        return None if state is None else state.get(key)


def client_policy(ctx: Context[Any, Any]) -> ClientPolicy | None:
    """The client's sandbox policy sent with this call, if any (read from `_meta` only when sent)."""
    try:
        meta = ctx.request_context.meta
    except (AttributeError, ValueError, LookupError):
        return None
    sent: Mapping[str, object] = meta or {}  # the SDK's TypedDict, with the keys clients add
    if CODEX_SANDBOX_META not in sent:
        return None
    return parse_codex_sandbox_state(sent[CODEX_SANDBOX_META])


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


class StrictTool(Tool):
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


class ParameterGroup:
    """Base of keyword-only dataclasses whose fields are tool parameters: a tool function's parameter
    annotated with a group is listed to clients as the group's fields, flat (in the group's ORDER,
    then as declared), and handed to the function as one object (see `regroup`)."""

    ORDER: ClassVar[tuple[str, ...]] = ()


def regroup(arguments: dict[str, Any], groups: dict[str, type[ParameterGroup]]) -> dict[str, Any]:
    """Flat arguments (as the client sent them) as the function with group parameters takes them."""
    values = dict(arguments)
    for name, group in groups.items():
        fields = [field.name for field in dataclasses.fields(group)]  # type: ignore[arg-type]
        values[name] = group(**{field: values.pop(field) for field in fields if field in values})
    return values


def progress_of(ctx: Context[Any, Any]) -> ProgressCallback:
    """A tool call's progress callback, its gate (progress.call_progress) made at the first report:
    most calls report nothing (a warm answer, a repeat answered from a finished run)."""
    made: list[ProgressCallback] = []

    async def report(progress: float, total: float | None, message: str) -> None:
        if not made:
            made.append(call_progress(ctx))
        await made[0](progress, total, message)

    return report
