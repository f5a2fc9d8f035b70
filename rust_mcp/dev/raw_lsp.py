"""A minimal LSP client for ground truth: rust-analyzer over plain asyncio pipes with Content-Length
framing, written apart from ra_mcp (no pygls, no lsprotocol, none of our code) so the corpus checks
compare our servers' answers with rust-analyzer's own. Plain dicts in, plain dicts out; positions
are 0-based LSP positions counted in utf-32 code points (negotiated), like Python string indices."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from rust_mcp.core.json_nesting import parse_json

DEBIAN_STD_SOURCES = Path("/usr/lib/rustlib/src/rust/library")


def analyzer_binary() -> str:
    """The rust-analyzer to ask: $RUST_ANALYZER, else the first on PATH that runs, else Debian's."""
    for candidate in (
        os.environ.get("RUST_ANALYZER"),
        shutil.which("rust-analyzer"),
        "/usr/bin/rust-analyzer",
    ):
        if not candidate:
            continue
        proc = subprocess.run([candidate, "--version"], capture_output=True, check=False)
        if proc.returncode == 0:
            return candidate
    raise RuntimeError("no working rust-analyzer for the ground truth; scripts/setup installs one")


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    sysroot = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True, check=False)
    library = Path(sysroot.stdout.strip()) / "lib" / "rustlib" / "src" / "rust" / "library"
    if "RUST_SRC_PATH" not in env and not library.is_dir() and DEBIAN_STD_SOURCES.is_dir():
        env["RUST_SRC_PATH"] = str(DEBIAN_STD_SOURCES)
    return env


class RawAnalyzer:
    """One rust-analyzer on one workspace, without cargo check (answers come from its own analysis)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.process: asyncio.subprocess.Process | None = None
        self.quiescent = asyncio.Event()
        self._next = 0
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def start(self, ready_seconds: float = 600.0) -> RawAnalyzer:
        self.process = await asyncio.create_subprocess_exec(
            analyzer_binary(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            cwd=self.root,
            env=_environment(),
            start_new_session=True,
        )
        self._reader = asyncio.create_task(self._read())
        uri = self.root.as_uri()
        await self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": uri,
                "workspaceFolders": [{"uri": uri, "name": self.root.name}],
                "capabilities": {
                    "general": {"positionEncodings": ["utf-32"]},
                    "window": {"workDoneProgress": True},
                    "textDocument": {
                        "hover": {"contentFormat": ["markdown", "plaintext"]},
                        "documentSymbol": {"hierarchicalDocumentSymbolSupport": True},
                        "definition": {"linkSupport": False},
                        "implementation": {"linkSupport": False},
                        "typeDefinition": {"linkSupport": False},
                        "codeAction": {
                            "codeActionLiteralSupport": {"codeActionKind": {"valueSet": [""]}},
                            "resolveSupport": {"properties": ["edit"]},
                            "dataSupport": True,
                        },
                    },
                    "workspace": {"workspaceEdit": {"documentChanges": True}},
                    "experimental": {"serverStatusNotification": True},
                },
                "initializationOptions": {
                    "checkOnSave": False,
                    "cargo": {"targetDir": True, "buildScripts": {"enable": True}},
                    "procMacro": {"enable": True},
                    "workspace": {"symbol": {"search": {"kind": "all_symbols", "limit": 1024}}},
                },
            },
            timeout=120,
        )
        self._send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        await asyncio.wait_for(self.quiescent.wait(), ready_seconds)
        return self

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        with contextlib.suppress(Exception):
            await self.request("shutdown", None, timeout=5)
            self._send({"jsonrpc": "2.0", "method": "exit"})
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        await self.process.wait()
        if self._reader is not None:
            self._reader.cancel()

    def _send(self, message: dict[str, Any]) -> None:
        assert self.process is not None and self.process.stdin is not None
        body = json.dumps(message).encode()
        self.process.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)

    async def request(self, method: str, params: Any, timeout: float = 120.0) -> Any:
        """Send a request and wait for its answer; content-modified answers are asked again."""
        deadline = time.monotonic() + timeout
        while True:
            self._next += 1
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            self._waiting[self._next] = future
            self._send({"jsonrpc": "2.0", "id": self._next, "method": method, "params": params})
            answer = await asyncio.wait_for(future, max(1.0, deadline - time.monotonic()))
            error = answer.get("error")
            if error is None:
                return answer.get("result")
            if error.get("code") == -32801 and time.monotonic() < deadline:  # content modified
                await asyncio.sleep(0.2)
                continue
            raise RuntimeError(f"{method}: {error}")

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        stream = self.process.stdout
        while True:
            length = 0
            while (header := await stream.readline()) not in (b"\r\n", b""):
                name, _, value = header.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if header == b"":
                return
            message = parse_json(await stream.readexactly(length))
            if "id" in message and "method" in message:  # a request from the server
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": self._answer(message)})
            elif "id" in message:
                future = self._waiting.pop(message["id"], None)
                if future is not None and not future.done():
                    future.set_result(message)
            elif message.get("method") == "experimental/serverStatus":
                if message["params"].get("quiescent"):
                    self.quiescent.set()
                else:
                    self.quiescent.clear()

    @staticmethod
    def _answer(message: dict[str, Any]) -> Any:
        if message["method"] == "workspace/configuration":
            return [None for _ in message["params"]["items"]]
        return None

    # -- the questions the corpus checks ask -------------------------------------------------------

    @staticmethod
    def _at(path: Path, line: int, character: int) -> dict[str, Any]:
        return {"textDocument": {"uri": path.as_uri()}, "position": {"line": line, "character": character}}

    async def locations(
        self, method: str, path: Path, line: int, character: int
    ) -> list[tuple[Path, int, int]]:
        """(file, 1-based line, 1-based column) of a definition / implementation / type definition answer."""
        found = await self.request(method, self._at(path, line, character))
        items = found if isinstance(found, list) else [found] if found else []
        return sorted(_where(item["uri"], item["range"]["start"]) for item in items)

    async def references(
        self, path: Path, line: int, character: int, include_declaration: bool = True
    ) -> list[tuple[Path, int, int]]:
        params = {**self._at(path, line, character), "context": {"includeDeclaration": include_declaration}}
        found = await self.request("textDocument/references", params)
        return sorted(_where(item["uri"], item["range"]["start"]) for item in found or [])

    async def hover(self, path: Path, line: int, character: int) -> str:
        found = await self.request("textDocument/hover", self._at(path, line, character))
        if not found:
            return ""
        contents = found["contents"]
        return str(contents.get("value", "") if isinstance(contents, dict) else contents).strip()

    async def document_symbols(self, path: Path) -> list[dict[str, Any]]:
        found = await self.request("textDocument/documentSymbol", {"textDocument": {"uri": path.as_uri()}})
        return list(found or [])

    async def workspace_symbols(self, query: str) -> list[dict[str, Any]]:
        return list(await self.request("workspace/symbol", {"query": query}) or [])

    async def diagnostics(self, path: Path) -> list[dict[str, Any]]:
        found = await self.request("textDocument/diagnostic", {"textDocument": {"uri": path.as_uri()}})
        return list((found or {}).get("items") or [])


def _where(uri: str, start: dict[str, int]) -> tuple[Path, int, int]:
    from urllib.parse import unquote, urlparse

    return Path(unquote(urlparse(uri).path)), start["line"] + 1, start["character"] + 1
