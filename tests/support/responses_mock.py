"""A small stand-in for the OpenAI Responses API (`POST /v1/responses`, server-sent events) that
Codex CLI talks to in the end-to-end tests: it records every request, answers the first with a
function call for one of our tools (named exactly as Codex listed it), and then with a message."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.support.loopback_http import Answer, event_stream, serve_posts

USAGE = {
    "input_tokens": 0,
    "input_tokens_details": None,
    "output_tokens": 0,
    "output_tokens_details": None,
    "total_tokens": 0,
}


def find_tool(tools: list[dict[str, Any]], name: str) -> tuple[str | None, str]:
    """(namespace, name) of `name` in a Responses `tools` list: tools may sit inside namespaces."""
    for tool in tools:
        if tool.get("type") == "namespace":
            for inner in tool.get("tools", []):
                if inner.get("name") == name:
                    return str(tool["name"]), name
        elif tool.get("name") == name or str(tool.get("name", "")).endswith(f"__{name}"):
            return None, str(tool["name"])
    raise LookupError(f"{name} is not among the tools Codex sent")


@dataclass
class ResponsesMock:
    """`tool` with `arguments` is call_1; `more` are further calls made in the same response (call_2,
    ...), which Codex may run in parallel."""

    tool: str
    arguments: dict[str, Any]
    more: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0

    def events(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        number = len(self.requests)
        items: list[dict[str, Any]] = []
        if number == 1:
            for index, (tool, arguments) in enumerate([(self.tool, self.arguments), *self.more], start=1):
                namespace, name = find_tool(body.get("tools", []), tool)
                item: dict[str, Any] = {
                    "type": "function_call",
                    "call_id": f"call_{index}",
                    "name": name,
                    "arguments": json.dumps(arguments),
                }
                if namespace is not None:
                    item["namespace"] = namespace
                items.append(item)
        else:
            items.append(
                {
                    "type": "message",
                    "role": "assistant",
                    "id": f"m{number}",
                    "content": [{"type": "output_text", "text": "done"}],
                }
            )
        return [
            {"type": "response.created", "response": {"id": f"r{number}"}},
            *({"type": "response.output_item.done", "item": item} for item in items),
            {"type": "response.completed", "response": {"id": f"r{number}", "usage": USAGE}},
        ]

    def tool_output(self, call_id: str = "call_1") -> str:
        """What Codex sent back to the model for one of our tool calls."""
        for request in self.requests[1:]:
            for item in request.get("input", []):
                if item.get("type") == "function_call_output" and item.get("call_id") == call_id:
                    output = item.get("output")
                    return output if isinstance(output, str) else json.dumps(output)
        raise AssertionError(f"Codex never sent {call_id}'s output back ({len(self.requests)} requests)")


@contextmanager
def serve_responses(mock: ResponsesMock) -> Iterator[ResponsesMock]:
    def handle(path: str, body: dict[str, Any]) -> Answer:
        mock.requests.append(body)
        try:
            return event_stream(mock.events(body))
        except LookupError as exc:
            error = {"id": "r", "error": {"code": "tool_missing", "message": str(exc)}}
            return event_stream([{"type": "response.failed", "response": error}])

    with serve_posts(handle) as port:
        mock.port = port
        yield mock
