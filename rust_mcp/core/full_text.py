"""Where an answer's uncut text goes when the answer itself is cut: a private file (mode 0600) in the
server's log directory (made 0700), named so the log pruning counts it, cut at the log's own cap.
An answer names the file only once it is written, so a path it returns always exists."""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from pathlib import Path

from .budgets import MAX_LOG_HEAD_BYTES
from .safe_io import create_private_file


def server_log_dir(server: str) -> Path:
    """A server's log directory: $XDG_CACHE_HOME (default ~/.cache) / server / logs."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / server / "logs"


def save_full_text(directory: Path, kind: str, text: str) -> str | None:
    """`text` in a new private file under `directory`; its path, or None when it cannot be written
    (the answer then promises nothing). Past MAX_LOG_HEAD_BYTES the file says how much was cut."""
    data = text.encode("utf-8", errors="replace")
    if len(data) > MAX_LOG_HEAD_BYTES:
        data = data[:MAX_LOG_HEAD_BYTES] + f"\n[{len(data) - MAX_LOG_HEAD_BYTES} more bytes cut]\n".encode()
    path = directory / f"{time.strftime('%Y%m%d-%H%M%S')}-{kind}-{uuid.uuid4().hex[:8]}.log"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        with os.fdopen(create_private_file(path), "wb") as handle:
            handle.write(data)
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return str(path)
