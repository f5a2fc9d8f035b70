"""rust-analyzer itself over LSP, driven by the bench's thin client: the floor every server is
compared with, and the source of the cold-start timeline (`experimental/serverStatus` and
`$/progress`, each with its arrival time)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .wire import LspPeer


def _answer(method: str, params: Any) -> Any:
    if method == "workspace/configuration":
        return [None for _ in (params or {}).get("items", [])]
    if method in {
        "window/workDoneProgress/create",
        "client/registerCapability",
        "client/unregisterCapability",
    }:
        return None
    if method.startswith("workspace/") and method.endswith("/refresh"):
        return None
    raise LookupError(method)


CAPABILITIES: dict[str, Any] = {
    "window": {"workDoneProgress": True},
    "experimental": {"serverStatusNotification": True},
    "textDocument": {
        "hover": {"contentFormat": ["markdown", "plaintext"]},
        "definition": {"linkSupport": False},
        "synchronization": {"didSave": True},
    },
}


class RawAnalyzer:
    def __init__(self, peer: LspPeer, root: Path) -> None:
        self.peer = peer
        self.root = root
        self.opened: set[Path] = set()

    @classmethod
    async def start(
        cls,
        binary: str,
        root: Path,
        env: Mapping[str, str],
        log: Path,
        settings: Mapping[str, Any] | None = None,
    ) -> RawAnalyzer:
        """rust-analyzer with its default settings (what a plain editor gets), or `settings` as its
        initializationOptions."""
        peer: LspPeer = await LspPeer.spawn([binary], env=env, cwd=root, stderr=log, on_request=_answer)
        await peer.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),  # alone, as the anchor sends it
                "capabilities": CAPABILITIES,
                **({"initializationOptions": dict(settings)} if settings else {}),
            },
        )
        peer.notify("initialized", {})
        return cls(peer, root)

    # -- state read from notifications --------------------------------------------------------------

    def statuses(self) -> list[tuple[float, dict[str, Any]]]:
        return [
            (at, params)
            for at, method, params in self.peer.notifications
            if method == "experimental/serverStatus"
        ]

    @property
    def quiescent(self) -> bool:
        statuses = self.statuses()
        return bool(statuses and statuses[-1][1].get("quiescent"))

    def active_progress(self) -> set[str]:
        """Progress tokens begun and not yet ended."""
        active: set[str] = set()
        for _, method, params in self.peer.notifications:
            if method != "$/progress":
                continue
            token, kind = str(params["token"]), params["value"].get("kind")
            if kind == "begin":
                active.add(token)
            elif kind == "end":
                active.discard(token)
        return active

    async def wait_quiescent(self, timeout: float = 600.0) -> float:
        """Seconds from spawn until rust-analyzer said it was quiescent."""
        deadline = time.monotonic() + timeout
        while not self.quiescent:
            if time.monotonic() > deadline:
                raise TimeoutError(f"rust-analyzer not quiescent after {timeout} s")
            await asyncio.sleep(0.02)
        return next(at for at, status in self.statuses() if status.get("quiescent")) - self.peer.started

    async def wait_idle(self, timeout: float = 900.0) -> None:
        """Quiescent and no progress (indexing, cargo check) running."""
        deadline = time.monotonic() + timeout
        while not (self.quiescent and not self.active_progress()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"rust-analyzer still busy after {timeout} s: {self.active_progress()}")
            await asyncio.sleep(0.1)

    # -- requests -------------------------------------------------------------------------------------

    def open(self, path: Path) -> None:
        if path in self.opened:
            return
        self.opened.add(path)
        self.peer.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": path.as_uri(),
                    "languageId": "rust",
                    "version": 1,
                    "text": path.read_text(),
                }
            },
        )

    def _at(self, path: Path, line: int, column: int) -> dict[str, Any]:
        self.open(path)
        return {"textDocument": {"uri": path.as_uri()}, "position": {"line": line, "character": column}}

    async def hover(self, path: Path, line: int, column: int) -> Any:
        return await self.peer.request("textDocument/hover", self._at(path, line, column))

    async def definition(self, path: Path, line: int, column: int) -> Any:
        return await self.peer.request("textDocument/definition", self._at(path, line, column))

    async def references(self, path: Path, line: int, column: int) -> Any:
        params = {**self._at(path, line, column), "context": {"includeDeclaration": True}}
        return await self.peer.request("textDocument/references", params)

    async def close(self) -> None:
        await self.peer.close()
