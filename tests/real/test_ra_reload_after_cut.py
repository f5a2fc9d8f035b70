"""A call cut or cancelled while it waited for rust-analyzer to begin reloading after a manifest changed
no longer lets the next call answer from the old crate graph. The wait was in the cut call's frame:
rust-analyzer had been told (Cargo.toml with a new path dependency, main.rs using it), so the next call
found nothing to re-sync, rust-analyzer still quiescent for a moment, and hovered `dep::value` on the
old graph: nothing. The pending reload is now the workspace's, and the next call waits for it. Real
rust-analyzer through the pool (the layers below MCP); the client's cancel comes exactly in that wait
(its window is the few milliseconds before rust-analyzer says it left quiescence)."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from lsprotocol import types as lsp

from ra_mcp import call_deadline
from ra_mcp.call_deadline import CallDeadline
from ra_mcp.lsp.discovery import find_analyzer
from ra_mcp.tools.mcp_adapter import answer_by
from ra_mcp.workspace.pool import WorkspacePool
from ra_mcp.workspace.workspaces import Workspace
from rust_mcp.core.roots import AllowedRoots
from tests.real.test_ra_path_dependency_added import ALONE, LIB, MAIN, WITH_DEP
from tests.support import require_rust_analyzer
from tests.support.repeated_checks import package, write_tree

pytestmark = [pytest.mark.anyio, pytest.mark.real]
RELOAD_WAIT = "rust-analyzer to begin reloading"


def hover(main: Path, line: int, needle: str) -> Callable[[Workspace], Awaitable[Any]]:
    at = lsp.Position(line=line, character=main.read_text().splitlines()[line].index(needle))

    async def asked(workspace: Workspace) -> Any:
        params = lsp.HoverParams(lsp.TextDocumentIdentifier(main.as_uri()), at)
        return await workspace.client.request("textDocument/hover", params)

    return asked


def markdown(answer: Any) -> str:
    if isinstance(answer, lsp.Hover) and isinstance(answer.contents, lsp.MarkupContent):
        return answer.contents.value
    return f"no hover: {answer!r}"


async def test_a_call_cancelled_in_the_reload_wait_leaves_the_wait_to_the_next(scratch: Path) -> None:
    require_rust_analyzer()
    top = scratch / "ra-reload-after-cut"
    app, dep = top / "app", top / "dep"
    write_tree(app, {"Cargo.toml": package("app"), "src/main.rs": ALONE})
    write_tree(dep, {"Cargo.toml": package("dep"), "src/lib.rs": LIB})
    main = app / "src" / "main.rs"
    pool = WorkspacePool(AllowedRoots((top,)), find_analyzer(), dict(os.environ))
    try:
        before = await answer_by(240.0, lambda: pool.run(app, hover(main, 1, "v")))
        assert "i32" in markdown(before)  # started without the dependency
        workspace = pool.workspaces[(app, None)]
        await workspace.client.until_quiescent(120.0)
        assert workspace.client.state.quiescent

        (app / "Cargo.toml").write_text(WITH_DEP)
        main.write_text(MAIN)
        seen: list[CallDeadline | None] = []

        async def first_call() -> Any:
            seen.append(call_deadline.CURRENT.get())
            return await pool.run(app, hover(main, 1, "value"))

        async def cancel_in_the_reload_wait(client: anyio.CancelScope) -> None:
            with anyio.fail_after(60):  # the re-sync takes well under a second
                while not (seen and seen[0] is not None and seen[0].waiting_for.startswith(RELOAD_WAIT)):
                    await anyio.lowlevel.checkpoint()  # every turn of the loop: the window is short
            client.cancel()  # the client's notifications/cancelled

        answered: list[Any] = []
        with anyio.CancelScope() as client:
            async with anyio.create_task_group() as group:
                group.start_soon(cancel_in_the_reload_wait, client)
                answered.append(await answer_by(240.0, first_call))
                group.cancel_scope.cancel()
        assert client.cancelled_caught and not answered, answered

        after = await answer_by(240.0, lambda: pool.run(app, hover(main, 1, "value")))
        assert "The first answer." in markdown(after), markdown(after)  # not the old crate graph
    finally:
        await pool.close_all()
