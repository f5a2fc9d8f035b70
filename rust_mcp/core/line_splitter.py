"""Splits a child's output into lines in linear time and bounded memory, whatever it prints.

Each chunk is searched for line ends once, on its own: the part of a line not yet ended is kept,
never searched again. A line longer than the limit is delivered cut to its first `limit` bytes and
the rest of it, up to its line end, is counted and dropped (not accumulated), so a program printing
a gigabyte without a newline costs one pass over the bytes and at most `limit` bytes of memory."""

from __future__ import annotations

from .budgets import MAX_LINE_BYTES


class LineSplitter:
    """Feed it chunks as they arrive; it returns the complete lines (without their line end)."""

    def __init__(self, limit: int = MAX_LINE_BYTES, split_carriage_returns: bool = False) -> None:
        if limit < 1:
            raise ValueError(f"the line limit must be at least 1 byte, not {limit}")
        self.limit = limit
        self.split_carriage_returns = split_carriage_returns
        self._pending = bytearray()  # the start of a line whose end has not arrived
        self._dropping = False  # inside a line already delivered cut: drop up to its end
        self.scanned = 0  # bytes searched for line ends (each byte once: the linear-time promise)
        self.cut_lines = 0  # lines delivered cut to `limit` bytes
        self.cut_bytes = 0  # bytes dropped from them

    def feed(self, chunk: bytes) -> list[bytes]:
        if self.split_carriage_returns:
            chunk = chunk.replace(b"\r", b"\n")
        self.scanned += len(chunk)
        pieces = chunk.split(b"\n")  # the new chunk only: never the kept part of a line
        lines = [line for piece in pieces[:-1] if (line := self._take(piece, ended=True)) is not None]
        if (line := self._take(pieces[-1], ended=False)) is not None:
            lines.append(line)
        return lines

    def finish(self) -> list[bytes]:
        """The last line, when the output did not end with a line end."""
        if not self._pending:
            self._dropping = False
            return []
        line = self._take(b"", ended=True)
        return [] if line is None else [line]

    def _take(self, piece: bytes, ended: bool) -> bytes | None:
        """Add a piece of the current line; the line when it ends here or has just reached the limit."""
        if self._dropping:  # the rest of a line already delivered cut
            self.cut_bytes += len(piece)
            self._dropping = not ended
            return None
        if len(self._pending) + len(piece) <= self.limit:
            if not ended:
                self._pending += piece
                return None
            line = bytes(self._pending) + piece
        else:
            room = self.limit - len(self._pending)
            line = bytes(self._pending) + piece[:room]
            self.cut_bytes += len(piece) - room
            self.cut_lines += 1
            self._dropping = not ended
        self._pending.clear()
        return line
