"""Finding rust-analyzer ahead of the server (issue 23): `rustup which`, `--version` and the std
sources take ~0.3 s of programs, so rust-analyzer-mcp starts them in a thread while it imports the
MCP SDK, and the runtime takes the answer from here instead of running them again.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future

from .discovery import Analyzer, AnalyzerMissing, find_analyzer_again, std_sources_env

Found = tuple[Analyzer | str, str | None]  # the rust-analyzer (or why there is none), the std warning

_AHEAD: dict[str | None, Future[Found]] = {}  # by --rust-analyzer: begun, not yet taken
_LOCK = threading.Lock()


def discover(explicit: str | None) -> Found:
    """The rust-analyzer to run (or why there is none) and the std-sources warning; both run
    programs, so callers on an event loop ask in a worker thread."""
    try:
        analyzer: Analyzer | str = find_analyzer_again(explicit)
    except AnalyzerMissing as exc:
        analyzer = str(exc)
    return analyzer, std_sources_env()[1]


def begin(explicit: str | None) -> None:
    """Start `discover(explicit)` in a daemon thread, unless one for `explicit` waits to be taken."""
    with _LOCK:
        if explicit in _AHEAD:
            return
        future: Future[Found] = Future()
        _AHEAD[explicit] = future

    def run() -> None:
        try:
            future.set_result(discover(explicit))
        except BaseException as exc:  # taken by `found`, which then asks again
            future.set_exception(exc)

    threading.Thread(target=run, name="rust-analyzer discovery", daemon=True).start()


def found(explicit: str | None) -> Found:
    """What a begun discovery for `explicit` found (waiting for it; each is taken once, so a later
    session asks again, from find_analyzer_again's memory), else `discover(explicit)` now."""
    with _LOCK:
        future = _AHEAD.pop(explicit, None)
    if future is not None:
        try:
            return future.result()
        except Exception:  # asked again below, where the failure is reported
            pass
    return discover(explicit)
