"""A small stand-in for the OpenAI Chat Completions API (`POST /v1/chat/completions`, one JSON answer)
that the OpenAI Agents SDK talks to in the end-to-end tests. It records every request and plays a
script of tool calls, one per turn (checking each tool is among the functions the SDK offered), then
answers with text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.support.loopback_http import Answer, json_answer, serve_posts

USAGE = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}


def offered(body: dict[str, Any]) -> set[str]:
    """The function names a request offered the model."""
    return {str(tool.get("function", {}).get("name")) for tool in body.get("tools") or []}


@dataclass
class ChatCompletionsMock:
    script: list[tuple[str, dict[str, Any]]]
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        turn = sum(1 for message in body.get("messages", []) if message.get("role") == "tool")
        message: dict[str, Any]
        if turn < len(self.script):
            name, arguments = self.script[turn]
            if name not in offered(body):
                raise LookupError(f"{name} is not among the tools the SDK offered: {sorted(offered(body))}")
            function = {"name": name, "arguments": json.dumps(arguments)}
            call = {"id": f"call_{turn + 1}", "type": "function", "function": function}
            message, finish = {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
        else:
            message, finish = {"role": "assistant", "content": "done"}, "stop"
        return {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": 0,
            "model": str(body.get("model", "mock")),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": USAGE,
        }

    def tool_outputs(self) -> dict[str, str]:
        """What the SDK sent the model for each scripted call, by call id (from the last request)."""
        last = self.requests[-1]
        return {
            m["tool_call_id"]: _text(m.get("content")) for m in last["messages"] if m.get("role") == "tool"
        }


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "\n".join(str(part.get("text", "")) for part in content or [] if isinstance(part, dict))


@contextmanager
def serve_chat_completions(mock: ChatCompletionsMock) -> Iterator[ChatCompletionsMock]:
    def handle(path: str, body: dict[str, Any]) -> Answer:
        mock.requests.append(body)
        try:
            return json_answer(mock.answer(body))
        except LookupError as exc:
            return json_answer({"error": {"message": str(exc), "type": "invalid_request_error"}}, 400)

    with serve_posts(handle) as port:
        mock.port = port
        yield mock
