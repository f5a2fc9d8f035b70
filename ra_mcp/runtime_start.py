"""The rust-analyzer server's lifespan context, kept apart from the tools' code so the server can
list its tools before importing that code (see server.py)."""

from __future__ import annotations

from typing import Generic, TypeVar

import anyio

from rust_mcp.mcp.registration import START_DELAY

Runtime = TypeVar("Runtime")


class RuntimeStart(Generic[Runtime]):
    """The server's lifespan context: the runtime, made once in the background. Finding
    rust-analyzer runs programs (`rustup which`, `--version`, `rustc --print sysroot`), so the server
    answers initialize and tools/list without waiting for it. By default the runtime is made when the
    session has listed the tools (the programs ran in a thread while the SDK was imported:
    lsp/discovery_ahead.py) and rust-analyzer starts on the default workspace (server.py); with
    --start-on-call it is made
    when a tool call wants it or once the client has had START_DELAY seconds to list the tools. The
    first tool call waits for it. `Runtime` is the tools' AnalyzerRuntime, named here only as a type
    parameter so this module needs nothing of the tools."""

    def __init__(self) -> None:
        self._made = anyio.Event()
        self._wanted = anyio.Event()
        self._listed = anyio.Event()  # the tools were listed, or a call wants the runtime
        self.runtime: Runtime | None = None

    async def until_wanted(self) -> None:
        with anyio.move_on_after(START_DELAY):
            await self._wanted.wait()

    async def until_listed(self) -> None:
        """Until the client has listed the tools (its opening answered), a call wants the runtime,
        or START_DELAY has passed: what starts ahead of a call starts then, so its programs never
        compete with the answers to initialize and tools/list."""
        with anyio.move_on_after(START_DELAY):
            await self._listed.wait()

    def listed(self) -> None:
        self._listed.set()

    def made(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._made.set()

    async def get(self) -> Runtime:
        self._wanted.set()
        self._listed.set()
        await self._made.wait()
        assert self.runtime is not None
        return self.runtime
