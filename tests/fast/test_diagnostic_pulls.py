"""Fast tier: a workspace report's per-file diagnostics pulls. On the large corpus under load one file's
pull timed out and the whole workspace report failed; now a file rust-analyzer does not answer for
in time is counted as not analysed, and the rest of the report stands. Without a list to put such
files in (a single file's report), the timeout is the answer, as before."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, cast

import pytest

from ra_mcp.lsp.lazy_types import lsp
from ra_mcp.tools.diagnostics import not_analysed, pull
from ra_mcp.workspace.workspaces import Workspace

pytestmark = pytest.mark.anyio

SLOW = Path("/w/src/slow.rs")
FAST = Path("/w/src/fast.rs")


class Client:
    """Answers every file at once with one warning, but never answers for SLOW."""

    def __init__(self) -> None:
        self.timeouts: list[float] = []

    async def request(self, method: str, params: Any, timeout: float = 30.0, **_: Any) -> Any:
        self.timeouts.append(timeout)
        if params.text_document.uri == SLOW.as_uri():
            await asyncio.sleep(timeout)
            raise TimeoutError
        place = lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=0, character=1))
        warning = lsp.Diagnostic(range=place, message="unused", severity=lsp.DiagnosticSeverity.Warning)
        return lsp.FullDocumentDiagnosticReport(items=[warning])


def workspace(client: Client) -> Workspace:
    return cast(Workspace, type("W", (), {"client": client})())


async def test_a_file_not_answered_in_time_is_counted_not_fatal() -> None:
    client = Client()
    missed: list[Path] = []
    until = asyncio.get_running_loop().time() + 1.5  # the pull phase's share of the answer deadline
    found = await pull(workspace(client), [SLOW, FAST], missed, until)
    assert list(found) == [FAST.as_uri()]
    assert missed == [SLOW]
    assert max(client.timeouts) <= 1.5  # bounded by the phase, not 60 s a file
    assert not_analysed(missed) == (
        "1 file(s) not analysed in time (rust-analyzer busy), so their own findings are missing: "
        "call again for them"
    )
    assert not_analysed([]) is None


async def test_a_single_files_timeout_is_still_the_answer() -> None:
    with pytest.raises(BaseExceptionGroup) as raised:  # from the pull's task group, as it always was
        await pull(workspace(Client()), [SLOW], None, asyncio.get_running_loop().time() + 1.0)
    assert raised.value.subgroup(TimeoutError) is not None
