"""One rust-analyzer process over LSP: start, initialize (utf-32 positions), answer its requests,
track its status, progress and pushed diagnostics, send requests with timeouts, shut down.
Knows nothing of MCP or tools."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import anyio
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException
from pygls.io_ import run_async
from pygls.lsp.client import LanguageClient

from rust_mcp import __version__
from rust_mcp.core.line_splitter import LineSplitter
from rust_mcp.core.processes import kill_process_group
from rust_mcp.core.sandbox import SandboxedCommand
from rust_mcp.core.sandbox_limits import limit_notes

from .. import call_deadline
from . import proc_macro_watch
from .asking_again import CHECKED_WHEN_EMPTY, EARLY_REQUEST_SECONDS, ask_again, is_empty
from .discovery import Analyzer
from .errors import AnalyzerCrashed, AnalyzerRequestFailed
from .flycheck_bound import CANCEL_METHOD, bound_flycheck
from .handlers import answer_server
from .lazy_types import plain
from .pygls_adapter import answer_as_json, fail_pending, forget_request, structure
from .requests import BatchedWrites
from .settings import client_capabilities, initialization_options
from .state import AnalyzerState

log = logging.getLogger(__name__)
logging.getLogger("pygls").setLevel(logging.WARNING)  # it logs every message it sends at INFO
T = TypeVar("T")
STDERR_LINES = 200
STDERR_LINE_BYTES = 4096  # of one stderr line kept (the rest of a longer one is counted and dropped)
READ_CHUNK = 64 * 1024


class AnalyzerClient:
    """A running rust-analyzer for one workspace root."""

    def __init__(
        self,
        root: Path,
        analyzer: Analyzer,
        env: Mapping[str, str],
        target_dir: str | bool | None = None,
        command: SandboxedCommand | None = None,
        ignored_macros: Mapping[str, list[str]] | None = None,
        proc_macro_seconds: float = proc_macro_watch.DEFAULT_SECONDS,
        flycheck_seconds: float = 300.0,
    ) -> None:
        self.root = root
        self.ignored_macros = dict(ignored_macros or {})
        self.proc_macro_seconds = proc_macro_seconds
        self.flycheck_seconds = flycheck_seconds
        self.analyzer = analyzer
        self.env = dict(env)
        self.target_dir = target_dir
        # how to start it (in its sandbox); without one, the analyzer itself with `env`
        self.command = command or SandboxedCommand([analyzer.path], self.env, root)
        self.state = AnalyzerState()
        self.stderr: deque[str] = deque(maxlen=STDERR_LINES)
        self.client = LanguageClient("rust-mcp", __version__)
        self.process: asyncio.subprocess.Process | None = None
        self.capabilities: lsp.ServerCapabilities | None = None
        self.started_at = time.monotonic()
        self.exit_code: int | None = None
        self._stop = threading.Event()
        self._tasks: list[asyncio.Task[Any]] = []
        self._on_exit: list[Callable[[], None]] = []
        answer_server(self.client, self.state)

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def failure(self) -> str:
        """Why this rust-analyzer is being replaced: its last panic, or how it exited."""
        if self.state.last_panic:
            return f"panicked on {self.state.last_panic}"
        if (stuck := self.state.proc_macros.stuck) is not None:
            return proc_macro_watch.stopped_reason(stuck, self.proc_macro_seconds)
        if self.exit_code is None:
            return "stopped"
        limits = limit_notes("\n".join(self.stderr), self.command.limits)  # a sandbox limit it hit
        return f"exited with code {self.exit_code}" + "".join(f". {note}" for note in limits)

    def on_exit(self, callback: Callable[[], None]) -> None:
        self._on_exit.append(callback)

    @property
    def watched(self) -> bool:
        """Whether its proc-macro server is our proxy (it needs the real server's path)."""
        return proc_macro_watch.SERVER_ENV in self.command.env

    async def start(self) -> None:
        command = self.command
        try:
            self.process = await asyncio.create_subprocess_exec(
                *command.argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=command.cwd,
                env=command.env,
                start_new_session=True,  # its cargo check and proc-macro server go with it when killed
                pass_fds=command.pass_fds,
            )
        finally:
            command.close()
        assert self.process.stdin and self.process.stdout and self.process.stderr
        self.client.protocol.set_writer(BatchedWrites(self.process.stdin))  # one write per loop turn
        self._tasks = [
            asyncio.create_task(
                run_async(stop_event=self._stop, reader=self.process.stdout, protocol=self.client.protocol)
            ),
            asyncio.create_task(self._drain_stderr(self.process.stderr)),
            asyncio.create_task(self._watch_exit(self.process)),
            asyncio.create_task(
                bound_flycheck(
                    self.state,
                    self.flycheck_seconds,
                    lambda: self.alive,
                    lambda: self.notify(CANCEL_METHOD, None),
                )
            ),
        ]
        if self.watched:
            watch = proc_macro_watch.watch_expansions(
                self.state.proc_macros, self.proc_macro_seconds, lambda: self.alive, self._stop_stuck
            )
            self._tasks.append(asyncio.create_task(watch))
        uri = self.root.as_uri()
        result = await self.request(
            "initialize",
            lsp.InitializeParams(
                process_id=os.getpid(),
                root_uri=uri,
                workspace_folders=[lsp.WorkspaceFolder(uri=uri, name=self.root.name)],
                capabilities=client_capabilities(),
                initialization_options=initialization_options(
                    self.target_dir, self.ignored_macros, self.watched
                ),
                client_info=lsp.ClientInfo(name="rust-mcp", version=__version__),
            ),
            timeout=60,
        )
        self.capabilities = result.capabilities
        self.client.protocol.notify("initialized", lsp.InitializedParams())

    async def _drain_stderr(self, stream: asyncio.StreamReader) -> None:
        # pygls leaves stderr in a pipe; unread, it fills and rust-analyzer blocks on its next log line.
        # Read in chunks, not readline(): a line over its limit would end the reading (and block it)
        lines = LineSplitter(STDERR_LINE_BYTES)
        while chunk := await stream.read(READ_CHUNK):
            for raw in lines.feed(chunk):
                line = raw.decode("utf-8", errors="replace").rstrip()
                if not self.state.proc_macros.feed(line):
                    self.stderr.append(line)

    async def _stop_stuck(self) -> None:
        """A proc macro ran past the limit: stop rust-analyzer and its proc-macro server (the pool
        starts a new one, with the macro ignored, at the next call; calls waiting now are retried)."""
        if self.process is not None:
            self.state.touch()
            await kill_process_group(self.process, 0.5)

    async def _watch_exit(self, process: asyncio.subprocess.Process) -> None:
        self.exit_code = await process.wait()
        self._stop.set()
        reason = f"rust-analyzer (pid {process.pid}) exited with code {self.exit_code}"
        fail_pending(self.client.protocol, AnalyzerCrashed(reason))
        self.state.health = "stopped"
        self.state.touch()
        for callback in self._on_exit:
            callback()

    async def shutdown(self, grace: float = 3.0) -> None:
        process = self.process
        if process is None:
            return
        with anyio.CancelScope(shield=True):
            if process.returncode is None:
                with anyio.move_on_after(grace):
                    try:
                        await self.request("shutdown", None, timeout=grace)
                        self.client.protocol.notify("exit", None)
                    except (AnalyzerCrashed, AnalyzerRequestFailed, TimeoutError, OSError, RuntimeError):
                        pass
                    await process.wait()
            await kill_process_group(process, grace)  # and everything it started
            self._stop.set()
            for task in self._tasks:
                task.cancel()

    # -- requests -------------------------------------------------------------------------------

    async def request(
        self, method: str, params: Any, timeout: float = 30.0, *, as_json: bool = False, strict: bool = False
    ) -> Any:
        """Send one request; on timeout or cancellation, tell rust-analyzer to stop working on it.
        Asked again, once rust-analyzer is quiescent, when it answers "content modified" (its crate
        graph changed) or "server cancelled" (put off), and when a question of CHECKED_WHEN_EMPTY
        sent before quiescence gets an empty answer: an early "nothing there" is worse than a slower
        right answer. Before quiescence the first analysis may be this request's to do, so it waits
        at least EARLY_REQUEST_SECONDS. `as_json`: plain JSON, not lsprotocol types (costlier than
        rust-analyzer's work for a large answer). `strict`: `timeout` bounds it all."""
        early = not self.state.quiescent and not strict
        if early:
            timeout = max(timeout, EARLY_REQUEST_SECONDS)
        if (deadline := call_deadline.CURRENT.get()) is not None:  # named by an answer at the cut
            deadline.waiting_for = f"rust-analyzer's answer to {method}"
        answer = await self._request_until_answered(method, params, timeout, as_json, strict)
        if early and method in CHECKED_WHEN_EMPTY and is_empty(answer) and self.alive:
            with call_deadline.waiting(f"rust-analyzer's first analysis, to ask {method} again (empty)"):
                await self.until_quiescent(timeout)
                if self.state.quiescent:
                    self.state.empty_rechecks += 1
                    answer = await self._request_until_answered(method, params, timeout, as_json)
        return answer

    async def _request_until_answered(
        self, method: str, params: Any, timeout: float, as_json: bool, strict: bool = False
    ) -> Any:
        """One try with all the time; asked again (asking_again.py) only when it fails."""
        deadline = anyio.current_time() + timeout
        try:
            return await self._request_once(method, params, max(timeout, 1.0), as_json)
        except AnalyzerRequestFailed as failed:

            async def ask(seconds: float) -> Any:
                return await self._request_once(method, params, seconds, as_json)

            with call_deadline.waiting(f"rust-analyzer to end its reload, to ask {method} again ({failed})"):
                return await ask_again(failed, ask, self.until_quiescent, deadline, reload_time=not strict)

    async def until_quiescent(self, bound: float) -> None:
        with anyio.move_on_after(bound):
            while not self.state.quiescent and self.alive:
                self.state.changed.clear()
                with anyio.move_on_after(1.0):
                    await self.state.changed.wait()

    async def _request_once(self, method: str, params: Any, timeout: float, as_json: bool = False) -> Any:
        if not self.alive and method != "initialize":
            raise AnalyzerCrashed(f"rust-analyzer is not running (exit code {self.exit_code})")
        msg_id = str(uuid.uuid4())
        future = asyncio.wrap_future(self.client.protocol.send_request(method, params, msg_id=msg_id))
        if as_json:  # the response is then read as a generic one: its result stays plain
            answer_as_json(self.client.protocol, msg_id)
        try:
            with anyio.fail_after(timeout):
                result = await future
        except JsonRpcException as exc:
            failed = AnalyzerRequestFailed(method, exc.code, exc.message)
            if failed.panicked:
                self.state.last_panic = f"{method}: {exc.message}"[:500]
                self.state.touch()
            raise failed from exc
        except (TimeoutError, anyio.get_cancelled_exc_class()):
            forget_request(self.client.protocol, msg_id)
            if self.alive:
                self.client.protocol.notify("$/cancelRequest", lsp.CancelParams(id=msg_id))
            raise
        # read generically, a list answer is left as JSON; an object one comes as namedtuples
        return result if not as_json or isinstance(result, list) else plain(result)

    def structure(self, value: Any, kind: type[T]) -> T:
        """Turn a plain answer (from a non-standard method) into an lsprotocol type."""
        return structure(self.client.protocol, value, kind)

    def notify(self, method: str, params: Any) -> None:
        if self.alive:
            self.client.protocol.notify(method, params)

    def notify_encoded(self, message: bytes) -> None:
        """A message made whole elsewhere (source_messages.py, off the loop), written in its turn
        among the others, as notify writes them."""
        writer = self.client.protocol.writer
        if self.alive and writer is not None:
            writer.write(message)
