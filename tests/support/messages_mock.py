"""A small stand-in for the Anthropic Messages API (`POST /v1/messages`, streamed as server-sent
events or answered as one JSON message) that Claude Code talks to in the end-to-end tests. It records
every request and plays a script of tool calls, one per turn, and once the script is done it answers
with text.
Side requests Claude Code makes without our tools (titles, quota checks) get a short text answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.support.loopback_http import Answer, event_stream, json_answer, serve_posts

USAGE = {"input_tokens": 1, "output_tokens": 1}
SEARCH = "ToolSearch"


def blocks(body: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """Every content block of one kind (tool_use, tool_result) in the conversation, oldest first."""
    return [
        block
        for message in body.get("messages", [])
        if isinstance(message.get("content"), list)
        for block in message["content"]
        if block.get("type") == kind
    ]


def result_text(block: dict[str, Any]) -> str:
    """A tool_result's content as the model reads it (a string, or a list of text blocks)."""
    content = block.get("content")
    if isinstance(content, str):
        return content
    return "\n".join(str(part.get("text", "")) for part in content or [] if isinstance(part, dict))


@dataclass
class MessagesMock:
    """`script` holds the calls to make, by the name Claude Code gives them (`mcp__cargo__cargo_check`).
    Claude Code defers MCP tools (only their names are listed) until the model loads them with its
    ToolSearch tool, so before a call whose tool is not loaded yet, the mock asks ToolSearch for it,
    as a model would (again while the server is still connecting)."""

    script: list[tuple[str, dict[str, Any]]]
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    searches_per_tool: int = 20

    def agent_requests(self) -> list[dict[str, Any]]:
        """The requests of the agent loop itself: those that offered the model tools."""
        return [body for body in self.requests if tool_names(body)]

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        """The assistant message for one request."""
        uses = blocks(body, "tool_use")
        turn = sum(use["name"] != SEARCH for use in uses)
        names = tool_names(body)
        if names and turn < len(self.script):
            wanted, arguments = self.script[turn]
            if wanted not in names:
                searches = sum(use["name"] == SEARCH for use in uses[-self.searches_per_tool :])
                if SEARCH not in names or searches >= self.searches_per_tool:
                    raise LookupError(f"{wanted} is not among the tools Claude Code sent: {sorted(names)}")
                wanted, arguments = SEARCH, {"query": f"select:{wanted}"}
            content: dict[str, Any] = {
                "type": "tool_use",
                "id": f"toolu_{len(uses) + 1}",
                "name": wanted,
                "input": arguments,
            }
            stop = "tool_use"
        else:
            content, stop = {"type": "text", "text": "done"}, "end_turn"
        return {
            "id": f"msg_{len(self.requests)}",
            "type": "message",
            "role": "assistant",
            "model": str(body.get("model", "mock")),
            "content": [content],
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": USAGE,
        }

    def tool_outputs(self) -> list[str]:
        """What Claude Code sent the model for each scripted call, in order (from the last request)."""
        agent = self.agent_requests()
        if not agent:
            raise AssertionError(f"Claude Code never offered the model tools ({len(self.requests)} requests)")
        scripted = {use["id"] for use in blocks(agent[-1], "tool_use") if use["name"] != SEARCH}
        return [result_text(b) for b in blocks(agent[-1], "tool_result") if b.get("tool_use_id") in scripted]


def tool_names(body: dict[str, Any]) -> set[str]:
    return {str(tool.get("name")) for tool in body.get("tools") or []}


def stream_events(message: dict[str, Any]) -> list[dict[str, Any]]:
    """One message as the Messages API streams it: start, each block (its input as one JSON delta),
    the stop reason, stop."""
    events: list[dict[str, Any]] = [
        {"type": "message_start", "message": {**message, "content": [], "stop_reason": None}}
    ]
    for index, block in enumerate(message["content"]):
        if block["type"] == "tool_use":
            start = {**block, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        else:
            start = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": block["text"]}
        events += [
            {"type": "content_block_start", "index": index, "content_block": start},
            {"type": "content_block_delta", "index": index, "delta": delta},
            {"type": "content_block_stop", "index": index},
        ]
    events += [
        {
            "type": "message_delta",
            "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
            "usage": {"output_tokens": 1},
        },
        {"type": "message_stop"},
    ]
    return events


@contextmanager
def serve_messages(mock: MessagesMock) -> Iterator[MessagesMock]:
    def handle(path: str, body: dict[str, Any]) -> Answer:
        if not path.startswith("/v1/messages") or "count_tokens" in path:
            return json_answer({"input_tokens": 1})
        mock.requests.append(body)
        try:
            message = mock.answer(body)
        except LookupError as exc:
            return json_answer(
                {"type": "error", "error": {"type": "invalid_request_error", "message": str(exc)}}, 400
            )
        return event_stream(stream_events(message)) if body.get("stream") else json_answer(message)

    with serve_posts(handle) as port:
        mock.port = port
        yield mock
