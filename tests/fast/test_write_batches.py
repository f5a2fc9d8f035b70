"""The messages to rust-analyzer go out in one write per turn of the event loop, in order: the two
requests of a hover (started side by side, as rust_analyzer_hover does) reach rust-analyzer in one
chunk, so a loaded machine cannot put our second request behind rust-analyzer's waking (issue 23);
a message of a later turn is its own write; closing writes what is pending first."""

from __future__ import annotations

import asyncio
import re
from typing import cast

import anyio
import pytest
from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

from ra_mcp.lsp.client import AnalyzerClient
from ra_mcp.lsp.requests import BatchedWrites

pytestmark = pytest.mark.anyio


class Recorded:
    """The bytes as rust-analyzer's stdin would receive them, one entry per write."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed, "written after close"
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True


def _methods(chunk: bytes) -> list[str]:
    return re.findall(r'"method": ?"([^"]+)"', chunk.decode())


async def _one_turn() -> None:
    await asyncio.sleep(0)
    await asyncio.sleep(0)


async def test_a_hover_and_its_definition_request_go_out_in_one_write() -> None:
    sink = Recorded()
    client = LanguageClient("test", "0")
    client.protocol.set_writer(BatchedWrites(cast(asyncio.StreamWriter, sink)))
    document = lsp.TextDocumentIdentifier(uri="file:///w/src/lib.rs")
    position = lsp.Position(line=3, character=7)

    async def send(method: str, params: object) -> None:
        client.protocol.send_request(method, params)

    async with anyio.create_task_group() as both:
        both.start_soon(send, lsp.TEXT_DOCUMENT_DEFINITION, lsp.DefinitionParams(document, position))
        await send(lsp.TEXT_DOCUMENT_HOVER, lsp.HoverParams(document, position))
    await _one_turn()
    assert len(sink.writes) == 1, [_methods(w) for w in sink.writes]
    assert _methods(sink.writes[0]) == [lsp.TEXT_DOCUMENT_HOVER, lsp.TEXT_DOCUMENT_DEFINITION]
    assert sink.writes[0].count(b"Content-Length: ") == 2


async def test_order_is_kept_and_a_later_turn_is_its_own_write() -> None:
    sink = Recorded()
    writer = BatchedWrites(cast(asyncio.StreamWriter, sink))
    writer.write(b"didChange;")
    writer.write(b"hover;")
    assert sink.writes == []  # nothing until the end of the turn
    await _one_turn()
    writer.write(b"definition;")
    await _one_turn()
    assert sink.writes == [b"didChange;hover;", b"definition;"]
    assert writer.batches == 2


async def test_closing_writes_what_is_pending_first() -> None:
    sink = Recorded()
    writer = BatchedWrites(cast(asyncio.StreamWriter, sink))
    writer.write(b"exit;")
    writer.close()
    assert sink.writes == [b"exit;"] and sink.closed
    await _one_turn()  # the flush scheduled for the turn finds nothing left
    assert sink.writes == [b"exit;"]


def test_the_analyzer_client_writes_through_batches() -> None:
    source = AnalyzerClient.start.__code__.co_names
    assert "BatchedWrites" in source
