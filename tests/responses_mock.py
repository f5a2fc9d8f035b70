"""A small stand-in for the OpenAI Responses API (`POST /v1/responses`, server-sent events) that
Codex CLI talks to in the end-to-end tests: it records every request, answers the first with a
function call for one of our tools (named exactly as Codex listed it), and then with a message."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

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
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            mock.requests.append(body)
            try:
                events = mock.events(body)
            except LookupError as exc:
                events = [
                    {
                        "type": "response.failed",
                        "response": {"id": "r", "error": {"code": "tool_missing", "message": str(exc)}},
                    }
                ]
            data = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    mock.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield mock
    finally:
        server.shutdown()
        server.server_close()
