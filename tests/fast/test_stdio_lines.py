"""The stdio front reads lines on the event loop: a line over the limit is answered and skipped,
the lines around it arrive whole, and a last line without a newline is not lost."""

from __future__ import annotations

import asyncio
import json

import pytest

from rust_mcp.mcp.stdio import INVALID_REQUEST, _pipe_lines

pytestmark = pytest.mark.anyio


class Recorded:
    def __init__(self) -> None:
        self.lines: list[str] = []

    async def write(self, text: str) -> int:
        self.lines.append(text)
        return len(text)

    async def flush(self) -> None:
        return None


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the pipe transports are asyncio's


async def test_a_line_over_the_limit_is_answered_and_skipped() -> None:
    reader = asyncio.StreamReader(limit=64)
    reader.feed_data(b'{"a":1}\n' + b"x" * 300 + b"\n" + b'{"b":2}\n' + b'{"c":3}')
    reader.feed_eof()
    wire = Recorded()
    lines = [line async for line in _pipe_lines(reader, wire)]
    assert lines == ['{"a":1}\n', '{"b":2}\n', '{"c":3}']
    assert len(wire.lines) == 1
    reply = json.loads(wire.lines[0])
    assert reply["id"] is None and reply["error"]["code"] == INVALID_REQUEST
    assert "longer than" in reply["error"]["message"]


async def test_invalid_utf8_is_replaced_not_fatal() -> None:
    reader = asyncio.StreamReader()
    reader.feed_data(b'{"s":"\xff"}\n')
    reader.feed_eof()
    lines = [line async for line in _pipe_lines(reader, Recorded())]
    assert lines == ['{"s":"\ufffd"}\n']


def test_spans_are_kept_only_when_an_exporter_is_configured() -> None:
    from mcp.server._otel import OpenTelemetryMiddleware
    from mcp.server.mcpserver import MCPServer

    from rust_mcp.mcp.telemetry import keep_spans_only_when_exported

    def has_spans(env: dict[str, str]) -> bool:
        server: MCPServer[None] = MCPServer("t")
        keep_spans_only_when_exported(server, env)
        return any(isinstance(m, OpenTelemetryMiddleware) for m in server._lowlevel_server.middleware)

    assert not has_spans({})
    assert has_spans({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"})
    assert not has_spans({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x", "OTEL_SDK_DISABLED": "true"})
    assert not has_spans({"OTEL_TRACES_EXPORTER": "none"})
