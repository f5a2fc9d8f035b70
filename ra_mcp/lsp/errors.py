"""How talking to rust-analyzer fails, importable without the LSP client (and its half second of
lsprotocol and pygls imports)."""

from __future__ import annotations


class AnalyzerCrashed(RuntimeError):
    """rust-analyzer exited (or was killed) while we needed it."""


class AnalyzerRequestFailed(RuntimeError):
    """rust-analyzer answered a request with an error."""

    def __init__(self, method: str, code: int, message: str) -> None:
        super().__init__(f"rust-analyzer could not answer {method}: {message} (code {code})")
        self.code = code
        self.panicked = "panicked" in message  # "request handler panicked: ..."
