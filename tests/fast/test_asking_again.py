"""When rust-analyzer answers "content modified" or "server cancelled", the request is asked again
until its own time runs out, not a fixed three times in a third of a second. A reload on a slow
machine (CI, 2 cores, under load) cancelled four tries in a row while rust-analyzer still called
itself quiescent, and three engine tests failed with "content modified". Driven here by a stand-in
for one request (the real-process runs are the shared-pool tests); no process is started."""

from __future__ import annotations

import anyio
import pytest

from ra_mcp.lsp import asking_again
from ra_mcp.lsp.asking_again import (
    ASK_AGAIN_TRIES,
    CONTENT_MODIFIED,
    SERVER_CANCELLED,
    ask_again,
)
from ra_mcp.lsp.errors import AnalyzerRequestFailed

pytestmark = pytest.mark.anyio


class Request:
    """One request whose first `refusals` tries are answered with `code`."""

    def __init__(self, refusals: int, code: int = CONTENT_MODIFIED) -> None:
        self.refusals = refusals
        self.code = code
        self.tries: list[float] = []  # the time given to each try
        self.quiet_waits = 0

    async def ask(self, seconds: float) -> str:
        self.tries.append(seconds)
        if len(self.tries) <= self.refusals:
            raise AnalyzerRequestFailed("textDocument/hover", self.code, "content modified")
        return "fn greeting()"

    async def until_quiet(self, seconds: float) -> None:
        assert seconds >= 0
        self.quiet_waits += 1


async def ask_until_answered(request: Request, timeout: float) -> str:
    """As the client asks (AnalyzerClient._request_until_answered): one try with all the time, then
    `ask_again` when it failed."""
    deadline = anyio.current_time() + timeout
    try:
        return await request.ask(max(timeout, 1.0))
    except AnalyzerRequestFailed as failed:
        answer: str = await ask_again(failed, request.ask, request.until_quiet, deadline)
        return answer


async def test_six_refusals_in_a_row_are_outlasted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asking_again, "ASK_AGAIN_FIRST_PAUSE", 0.001)
    request = Request(refusals=6, code=SERVER_CANCELLED)
    assert await ask_until_answered(request, timeout=30.0) == "fn greeting()"
    assert len(request.tries) == 7
    assert request.quiet_waits == 6  # it waited for quiescence before every new try


async def test_the_pauses_double_so_a_reload_has_time_to_finish() -> None:
    request = Request(refusals=4)
    started = anyio.current_time()
    await ask_until_answered(request, timeout=30.0)
    assert anyio.current_time() - started >= 0.1 + 0.2 + 0.4 + 0.8 - 0.05


async def test_the_tries_stop_when_the_time_runs_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asking_again, "RELOAD_SECONDS", 1.0)  # a reload's allowance, from the refusal
    request = Request(refusals=1000)
    started = anyio.current_time()
    with pytest.raises(AnalyzerRequestFailed) as failed:
        await ask_until_answered(request, timeout=1.0)
    assert failed.value.code == CONTENT_MODIFIED
    assert anyio.current_time() - started < 1.5
    assert 2 <= len(request.tries) < ASK_AGAIN_TRIES
    assert request.tries[0] == 1.0  # the first try had all the time


async def test_the_tries_are_bounded_in_number_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asking_again, "ASK_AGAIN_FIRST_PAUSE", 0.001)
    monkeypatch.setattr(asking_again, "ASK_AGAIN_LONGEST_PAUSE", 0.002)
    request = Request(refusals=1000)
    with pytest.raises(AnalyzerRequestFailed):
        await ask_until_answered(request, timeout=600.0)
    assert len(request.tries) == ASK_AGAIN_TRIES


async def test_any_other_error_is_not_asked_again() -> None:
    request = Request(refusals=1, code=-32603)  # internal error: a panic
    with pytest.raises(AnalyzerRequestFailed):
        await ask_until_answered(request, timeout=30.0)
    assert len(request.tries) == 1


class SlowReload(Request):
    """A request whose refusals each come with a reload that takes `reload` seconds to go quiet."""

    def __init__(self, refusals: int, code: int, reload: float) -> None:
        super().__init__(refusals, code)
        self.reload = reload

    async def until_quiet(self, seconds: float) -> None:
        await super().until_quiet(seconds)
        await anyio.sleep(min(seconds, self.reload))


async def test_a_reload_longer_than_the_requests_own_time_is_waited_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Content modified: the crate graph changed, and the reload may outlast the request's own time
    (on a loaded machine it did: the first call of a session failed with "content modified")."""
    monkeypatch.setattr(asking_again, "ASK_AGAIN_FIRST_PAUSE", 0.001)
    monkeypatch.setattr(asking_again, "RELOAD_SECONDS", 2.0)
    request = SlowReload(refusals=2, code=CONTENT_MODIFIED, reload=0.2)
    assert await ask_until_answered(request, timeout=0.1) == "fn greeting()"
    assert len(request.tries) == 3


async def test_a_request_put_off_keeps_its_own_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asking_again, "ASK_AGAIN_FIRST_PAUSE", 0.001)
    monkeypatch.setattr(asking_again, "RELOAD_SECONDS", 2.0)
    request = SlowReload(refusals=2, code=SERVER_CANCELLED, reload=0.2)
    with pytest.raises(AnalyzerRequestFailed):
        await ask_until_answered(request, timeout=0.1)
