"""The four private pygls internals the LSP client needs, kept in this one module.

pygls 2.1 gives a client `send_request` (a future per request) and nothing else for what we need:
- when rust-analyzer exits, pending requests must fail at once; pygls keeps their futures in
  `_request_futures` and has no public way to fail them (they would wait for their timeouts);
- a request given up on (timeout, cancellation) must be forgotten, or its late answer is matched to
  a future nobody awaits; pygls only forgets a future when the answer arrives;
- a large answer is cheaper as plain JSON than as lsprotocol types; pygls picks the type to build
  from `_result_types` when the answer arrives, and reads an answer whose id has no entry there as
  generic JSON: dropping the entry is the only way to ask for that;
- an answer of a rust-analyzer extension (plain JSON) is turned into an lsprotocol type with the
  protocol's own `_converter` (the one that built every other answer: same hooks, same types).
When a forgotten request's answer does arrive (rust-analyzer finishing a pull after our timeout),
pygls logs a warning about an unknown id; the ids we forgot are kept (the last FORGOTTEN_KEPT) so
that warning is dropped for them and still said for an id we never sent.
If pygls grows public ways for these, this module is the one place to change."""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any, TypeVar

from pygls.protocol import JsonRPCProtocol

from .lazy_types import plain

T = TypeVar("T")


def fail_pending(protocol: JsonRPCProtocol, error: BaseException) -> None:
    """Fail every request still waiting for an answer (the server is gone)."""
    for future in list(protocol._request_futures.values()):
        if not future.done():
            future.set_exception(error)


FORGOTTEN_KEPT = 4096
UNKNOWN_ANSWER = 'Received response to unknown message id "%s"'  # pygls.protocol.json_rpc's wording


class _ForgottenAnswers(logging.Filter):
    """Drops pygls's unknown-id warning for the answer to a request we gave up on (once per id)."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: OrderedDict[str, None] = OrderedDict()

    def forget(self, msg_id: str) -> None:
        self.ids[msg_id] = None
        while len(self.ids) > FORGOTTEN_KEPT:
            self.ids.popitem(last=False)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != UNKNOWN_ANSWER or not isinstance(record.args, tuple) or len(record.args) != 1:
            return True
        msg_id = str(record.args[0])
        if msg_id not in self.ids:
            return True
        del self.ids[msg_id]
        return False


_forgotten = _ForgottenAnswers()
logging.getLogger("pygls.protocol.json_rpc").addFilter(_forgotten)


def forget_request(protocol: JsonRPCProtocol, msg_id: str) -> None:
    """Stop waiting for the answer to one request (its late answer, if any, is dropped unlogged)."""
    protocol._request_futures.pop(msg_id, None)
    _forgotten.forget(msg_id)


def answer_as_json(protocol: JsonRPCProtocol, msg_id: str) -> None:
    """Have the answer to one request read as plain JSON, not built into lsprotocol types."""
    protocol._result_types.pop(msg_id, None)


def structure(protocol: JsonRPCProtocol, value: Any, kind: type[T]) -> T:
    """A plain answer (from a non-standard method) as an lsprotocol type."""
    result: T = protocol._converter.structure(plain(value), kind)
    return result
