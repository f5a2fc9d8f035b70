"""The tee's copy of rust-analyzer's check is bounded (ra_mcp/workspace/flycheck_tee.py): past the
size the server reads, the copy is emptied and no longer written, while everything still reaches
rust-analyzer. A proc macro printing without end fills no disk through it."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from ra_mcp.workspace import flycheck_tee


def _copied(tmp_path: Path, limit: int) -> tuple[int, int, list[bool]]:
    """(bytes rust-analyzer got, bytes of the copy, failures) for 10 chunks of 1,000 bytes."""
    read_end, write_end = os.pipe()
    passed_read, passed_write = os.pipe()
    copy = os.open(tmp_path / "stdout.part", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    received: list[bytes] = []

    def drain() -> None:
        while chunk := os.read(passed_read, 65536):
            received.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    for _ in range(10):
        os.write(write_end, b"x" * 1000)
    os.close(write_end)
    failed = [False, False]
    flycheck_tee._copy(read_end, (passed_write, copy), failed, limit)
    os.close(passed_write)
    reader.join(timeout=30)
    size = os.fstat(copy).st_size
    for fd in (read_end, passed_read, copy):
        os.close(fd)
    return sum(map(len, received)), size, failed


def test_a_copy_past_the_limit_is_emptied_and_the_output_still_passes(tmp_path: Path) -> None:
    assert _copied(tmp_path, limit=100_000) == (10_000, 10_000, [False, False])  # the control
    assert _copied(tmp_path, limit=2_500) == (10_000, 0, [False, True])
