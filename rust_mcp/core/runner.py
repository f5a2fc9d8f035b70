"""Run one child process (cargo for either server): its own process group, both pipes streamed line by
line, memory bounded, the output written to a private, size-capped log file, and the whole group
killed on timeout or cancellation."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import anyio
from anyio.abc import ByteReceiveStream

from .budgets import CARGO_STREAM_BUDGET, MAX_LINE_BYTES, MAX_LOG_HEAD_BYTES, MAX_LOG_TAIL_BYTES
from .clipping import clip_middle
from .line_splitter import LineSplitter
from .processes import kill_process_group
from .safe_io import create_private_file
from .sandbox import SandboxedCommand

# a sink sees every line and returns whether the line belongs in the text kept for the model
LineSink = Callable[[str], bool]
READ_CHUNK = 64 * 1024
PIPE_DRAIN_SECONDS = 2.0


class TailBuffer:
    """Keeps the first `head` and last `tail` characters of a stream, counting what it dropped."""

    def __init__(self, limit: int) -> None:
        self.head_limit = limit // 4
        self.tail_limit = limit - self.head_limit
        self.head: list[str] = []
        self.head_size = 0
        self.tail: deque[str] = deque()
        self.tail_size = 0
        self.dropped = 0
        self.cut_lines = 0  # lines over MAX_LINE_BYTES, delivered cut (their rest is in the log)
        self.clipped = False  # a line over the tail's share was kept only in part (marked in it)

    def add(self, line: str) -> None:
        text = line + "\n"
        if len(text) > self.tail_limit:  # one huge line: keep what could be shown of it, not all of it
            text, self.clipped = clip_middle(text, self.tail_limit)[0], True
        if self.head_size + len(text) <= self.head_limit and not self.tail:
            self.head.append(text)
            self.head_size += len(text)
            return
        self.tail.append(text)
        self.tail_size += len(text)
        while self.tail_size > self.tail_limit and len(self.tail) > 1:
            removed = self.tail.popleft()
            self.tail_size -= len(removed)
            self.dropped += len(removed)

    def text(self) -> tuple[str, bool]:
        tail = "".join(self.tail)
        if self.dropped == 0:
            # a single huge line can still exceed the budget; cut it in the middle
            text, clipped = clip_middle("".join(self.head) + tail, self.head_limit + self.tail_limit)
            return text, clipped or self.clipped or self.cut_lines > 0
        marker = f"[... {self.dropped} characters cut; the full output is in the log ...]\n"
        clipped_tail, _ = clip_middle(tail, self.tail_limit)
        return "".join(self.head) + marker + clipped_tail, True


class RunLog:
    """The output of a run, written as it arrives to a file only the server's user can read (0600),
    and bounded: the first `head` bytes as they come, then only the last `tail` bytes are kept and
    written when the run ends, after a line counting what was cut between them. A write failure
    (disk full) stops logging but never the run."""

    def __init__(
        self, path: Path | None, head: int = MAX_LOG_HEAD_BYTES, tail: int = MAX_LOG_TAIL_BYTES
    ) -> None:
        self.path = path
        self.error: str | None = None
        self.head_room = head
        self.tail_limit = tail
        self._tail: deque[bytes] = deque()
        self._tail_size = 0
        self.cut = 0
        self._handle: IO[bytes] | None = None
        if path is not None:
            try:
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                self._handle = os.fdopen(create_private_file(path), "wb")
            except OSError as exc:
                self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        """Stop logging; a partial log would mislead and hold on to the space that ran out, so it goes."""
        self.error = f"could not write the log file {self.path}: {exc.strerror or exc}"
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            if self.path is not None:
                with contextlib.suppress(OSError):
                    self.path.unlink()
        self._handle = None

    def write(self, data: bytes) -> None:
        if self._handle is None:
            return
        if self.head_room > 0:
            written, data = data[: self.head_room], data[self.head_room :]
            self.head_room -= len(written)
            try:
                self._handle.write(written)
            except OSError as exc:
                self._fail(exc)
                return
        if data:
            self._tail.append(data)
            self._tail_size += len(data)
            while self._tail_size - len(self._tail[0]) >= self.tail_limit:
                dropped = self._tail.popleft()
                self._tail_size -= len(dropped)
                self.cut += len(dropped)

    def close(self) -> None:
        if self._handle is not None:
            try:
                if self._tail:
                    kept = b"".join(self._tail)
                    excess = max(0, len(kept) - self.tail_limit)
                    self.cut += excess
                    if self.cut:
                        self._handle.write(f"\n[... {self.cut} bytes of output cut here ...]\n".encode())
                    self._handle.write(kept[excess:])
                self._handle.close()
            except OSError as exc:
                self._fail(exc)
            self._handle = None

    @property
    def usable_path(self) -> str | None:
        return str(self.path) if self.path is not None and self.error is None else None


@dataclass
class RunOutcome:
    exit_code: int | None
    timed_out: bool
    duration_ms: int
    stdout: str
    stderr: str
    truncated: bool
    log_path: str | None
    log_error: str | None
    pid: int


@dataclass
class RunRequest:
    argv: Sequence[str]
    cwd: Path
    env: Mapping[str, str]
    timeout_seconds: float
    on_stdout: LineSink
    on_stderr: LineSink
    log_path: Path | None = None
    stream_budget: int = CARGO_STREAM_BUDGET
    stdin_data: bytes | None = None
    on_start: Callable[[int], None] = field(default=lambda pid: None)
    pass_fds: tuple[int, ...] = ()  # descriptors the child inherits (what a sandbox mounts)
    contained: bool = False  # the child is the sandbox: all it starts dies with it (SandboxedCommand)

    @classmethod
    def sandboxed(
        cls,
        command: SandboxedCommand,
        timeout_seconds: float,
        on_stdout: LineSink,
        on_stderr: LineSink,
        stream_budget: int = CARGO_STREAM_BUDGET,
    ) -> RunRequest:
        """The run of a sandboxed command: its argv, directory, environment and descriptors."""
        return cls(
            command.argv,
            command.cwd,
            command.env,
            timeout_seconds,
            on_stdout,
            on_stderr,
            stream_budget=stream_budget,
            pass_fds=command.pass_fds,
            contained=command.contained,
        )


async def _pump(
    stream: ByteReceiveStream | None,
    sink: LineSink,
    buffer: TailBuffer,
    log: RunLog,
    split_carriage_returns: bool,
) -> None:
    if stream is None:
        return
    lines = LineSplitter(MAX_LINE_BYTES, split_carriage_returns)
    while True:
        try:
            chunk = await stream.receive(READ_CHUNK)
        except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
            break
        log.write(chunk)
        for raw in lines.feed(chunk):
            _deliver(raw, sink, buffer)
    for raw in lines.finish():
        _deliver(raw, sink, buffer)
    buffer.cut_lines += lines.cut_lines


def _deliver(raw: bytes, sink: LineSink, buffer: TailBuffer) -> None:
    line = raw.decode("utf-8", errors="replace").rstrip("\r")
    if sink(line):
        buffer.add(line)


async def run_process(request: RunRequest) -> RunOutcome:
    """Run `request.argv`; returns when it exits or is killed for exceeding the timeout.
    Cancellation of the caller kills the process group before it propagates."""
    stdout_buffer = TailBuffer(request.stream_budget)
    stderr_buffer = TailBuffer(request.stream_budget)
    log = RunLog(request.log_path)
    started = time.monotonic()
    timed_out = False
    process = await anyio.open_process(
        list(request.argv),
        stdin=subprocess.PIPE if request.stdin_data is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=request.cwd,
        env=dict(request.env),
        start_new_session=True,
        pass_fds=request.pass_fds,
    )
    request.on_start(process.pid)
    pipes_closed = anyio.Event()
    try:
        async with anyio.create_task_group() as group:

            async def pump_both() -> None:
                async with anyio.create_task_group() as pumps:
                    pumps.start_soon(_pump, process.stdout, request.on_stdout, stdout_buffer, log, False)
                    pumps.start_soon(_pump, process.stderr, request.on_stderr, stderr_buffer, log, True)
                pipes_closed.set()

            group.start_soon(pump_both)
            if request.stdin_data is not None and process.stdin is not None:
                await process.stdin.send(request.stdin_data)
                await process.stdin.aclose()
            with anyio.move_on_after(request.timeout_seconds) as deadline:
                await process.wait()
            timed_out = deadline.cancelled_caught
            # on a timeout the whole group; after an exit, the members left behind (a leaked test child)
            await kill_process_group(process, contained=request.contained)
            # a member that escaped the group may still hold a pipe open: do not wait for it forever
            with anyio.move_on_after(PIPE_DRAIN_SECONDS):
                await pipes_closed.wait()
            group.cancel_scope.cancel()
    finally:
        if process.returncode is None:
            await kill_process_group(process)  # cancelled or failed: leave nothing behind
        log.close()
    stdout, cut_out = stdout_buffer.text()
    stderr, cut_err = stderr_buffer.text()
    return RunOutcome(
        exit_code=None if timed_out else process.returncode,
        timed_out=timed_out,
        duration_ms=int((time.monotonic() - started) * 1000),
        stdout=stdout,
        stderr=stderr,
        truncated=cut_out or cut_err,
        log_path=log.usable_path,
        log_error=log.error,
        pid=process.pid,
    )


def prune_logs(directory: Path, keep: int) -> None:
    """Remove all but the newest `keep` logs."""
    try:
        logs = sorted(directory.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in logs[keep:]:
        with contextlib.suppress(OSError):
            os.unlink(old)
