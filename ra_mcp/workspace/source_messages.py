"""The didOpen/didChange messages that carry changed .rs files to rust-analyzer, made on a worker
thread: read through the scope (inside the roots, no link followed, regular files only, at most
MAX_SYNC_BYTES), decoded and written as JSON-RPC bytes. Up to 8 MiB each, made on the event loop
they cost ~95 ms a file and stalled every session of the engine. A thread alone would not do:
decoding and JSON-encoding hold the GIL for a whole string, so both go in pieces of PIECE_CHARS, and
the loop runs between them. The loop then writes the bytes in the order it would have sent them,
a batch of BATCH_BYTES at a time (workspaces.Workspace._made)."""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass
from pathlib import Path

from rust_mcp.core.budgets import MAX_SYNC_BYTES
from rust_mcp.core.errors import Refusal
from rust_mcp.core.roots import ReadScope

PIECE_CHARS = 1 << 15  # characters (or bytes) decoded or escaped at once: a fraction of a millisecond
# message bytes made before they are sent: all of a re-sync's files were held at once, and project
# code decides how many there are (1,000 changed files of 8 MiB of NUL bytes, escaped 6 to 1, were
# 48 GB in the engine every session shares)
BATCH_BYTES = 64 * 1024 * 1024
HEADER = "Content-Length: {}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n"


@dataclass(frozen=True)
class Encoded:
    """One file's message, made for the version it had (None: not open yet, so didOpen); `message`
    None when the file was refused (outside the roots, a link, too large, unreadable)."""

    version: int | None
    message: bytes | None


def encode_sources(
    scope: ReadScope, files: list[tuple[Path, int | None]], most: int | None = None
) -> dict[Path, Encoded]:
    """Each of `files` (a path and the version rust-analyzer has of it) read and made into its
    message, in order, stopping once the messages made hold `most` bytes (at least one file);
    blocking, for a worker thread."""
    made = {}
    size = 0
    for path, version in files:
        if most is not None and size >= most:
            break
        try:
            data = scope.read(path, MAX_SYNC_BYTES)
        except Refusal:
            made[path] = Encoded(version, None)
            continue
        made[path] = Encoded(version, source_message(path.as_uri(), version, data))
        size += len(made[path].message or b"")
    return made


def source_message(uri: str, version: int | None, data: bytes) -> bytes:
    """The whole JSON-RPC message (header and body) sending `data` as the file's text: didOpen at
    version 1 when `version` is None, else didChange with the whole text at version + 1."""
    if version is None:
        method = "textDocument/didOpen"
        head = {"textDocument": {"uri": uri, "languageId": "rust", "version": 1}}
        before, after = f', "params": {json.dumps(head)[:-2]}, "text": ', "}}}"
    else:
        method = "textDocument/didChange"
        document = {"uri": uri, "version": version + 1}
        before = f', "params": {{"textDocument": {json.dumps(document)}, "contentChanges": [{{"text": '
        after = "}]}}"
    pieces = [f'{{"jsonrpc": "2.0", "method": "{method}"{before}"'.encode()]
    pieces += json_pieces(data)
    pieces.append(f'"{after}'.encode())
    length = sum(len(piece) for piece in pieces)
    return b"".join([HEADER.format(length).encode(), *pieces])


def json_pieces(data: bytes) -> list[bytes]:
    """`data` decoded as UTF-8 (bad bytes replaced, as bytes.decode(errors="replace") does) and
    escaped as the inside of a JSON string (ASCII only), a piece at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    view = memoryview(data)
    pieces = []
    for start in range(0, len(data) + 1, PIECE_CHARS):
        final = start + PIECE_CHARS > len(data)
        text = decoder.decode(view[start : start + PIECE_CHARS], final=final)
        for offset in range(0, len(text), PIECE_CHARS):
            pieces.append(json.dumps(text[offset : offset + PIECE_CHARS])[1:-1].encode("ascii"))
    return pieces
