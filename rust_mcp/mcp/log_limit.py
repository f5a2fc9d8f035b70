"""Bounded log output: whatever a client does (a thousand malformed requests, a connection flood),
the servers write at most BURST log records per WINDOW seconds; the rest are counted, and the next
record that passes says how many were left out."""

from __future__ import annotations

import logging
import time

BURST = 20
WINDOW = 10.0


class LogRateLimit(logging.Filter):
    def __init__(self, burst: int = BURST, window: float = WINDOW) -> None:
        super().__init__()
        self.burst = burst
        self.window = window
        self._window_start = time.monotonic()
        self._passed = 0
        self.suppressed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        if now - self._window_start >= self.window:
            self._window_start, self._passed = now, 0
        if self._passed >= self.burst:
            self.suppressed += 1
            return False
        self._passed += 1
        if self.suppressed:
            record.msg = f"[{self.suppressed} log messages left out] {record.getMessage()}"
            record.args = None
            self.suppressed = 0
        return True


def limit_log_output(level: int = logging.WARNING) -> LogRateLimit:
    """Pass every record the process logs (ours, the SDK's, uvicorn's) through one rate limit, at
    `level` and above."""
    limit = LogRateLimit()
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        handler.addFilter(limit)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    return limit
