"""A request we gave up on (timed out, cancelled) may still be answered by rust-analyzer: pygls then
warns of an answer to an unknown id. On the large corpus that was ~20 warnings in the server's log for
our own timeouts; they are dropped for ids we forgot, and still said for an id we never sent."""

from __future__ import annotations

import logging
from concurrent.futures import Future

import pytest
from pygls.protocol import JsonRPCProtocol, default_converter

from ra_mcp.lsp.pygls_adapter import FORGOTTEN_KEPT, forget_request

PYGLS = "pygls.protocol.json_rpc"


def _protocol() -> JsonRPCProtocol:
    return JsonRPCProtocol(server=None, converter=default_converter())  # type: ignore[arg-type,no-untyped-call]


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == PYGLS]


def test_the_late_answer_to_a_forgotten_request_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    protocol = _protocol()
    waiting: Future[object] = Future()
    protocol._request_futures["given-up"] = waiting
    forget_request(protocol, "given-up")
    assert "given-up" not in protocol._request_futures
    with caplog.at_level(logging.WARNING, logger=PYGLS):
        protocol._handle_response("given-up", result=None)
        protocol._handle_response("never-sent", result=None)
        protocol._handle_response("given-up", result=None)  # a second answer to one id is news
    assert _warnings(caplog) == [
        'Received response to unknown message id "never-sent"',
        'Received response to unknown message id "given-up"',
    ]
    assert not waiting.done()


def test_the_forgotten_ids_are_bounded(caplog: pytest.LogCaptureFixture) -> None:
    protocol = _protocol()
    for number in range(FORGOTTEN_KEPT + 10):
        forget_request(protocol, f"id-{number}")
    with caplog.at_level(logging.WARNING, logger=PYGLS):
        protocol._handle_response("id-0", result=None)  # the oldest, no longer kept
        protocol._handle_response(f"id-{FORGOTTEN_KEPT + 9}", result=None)
    assert _warnings(caplog) == ['Received response to unknown message id "id-0"']
