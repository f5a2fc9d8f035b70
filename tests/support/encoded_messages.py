"""The messages the workspace writes whole (ra_mcp/workspace/source_messages.py) read back as the
(method, lsprotocol params) a stand-in client's `notify` records."""

from __future__ import annotations

import json
from typing import Any

from lsprotocol import converters
from lsprotocol import types as lsp

PARAMS: dict[str, type] = {
    lsp.TEXT_DOCUMENT_DID_OPEN: lsp.DidOpenTextDocumentParams,
    lsp.TEXT_DOCUMENT_DID_CHANGE: lsp.DidChangeTextDocumentParams,
}


def decoded(message: bytes) -> tuple[str, Any]:
    """The method and typed params of one whole message (header and body)."""
    header, _, body = message.partition(b"\r\n\r\n")
    assert int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0]) == len(body), header
    data = json.loads(body)
    method = data["method"]
    return method, converters.get_converter().structure(data["params"], PARAMS[method])
