#!/usr/bin/python3 -IS
"""rust-analyzer's own check (flycheck), inside its sandbox: flycheck_tee.sh, the cargo rust-analyzer
runs (its `CARGO`), sends every other cargo command straight to the real cargo (RUST_MCP_REAL_CARGO)
and this one (`check`, with the CARGO_LOG rust-analyzer sets for flycheck only) here, whose
output is passed on unchanged and also kept in RUST_MCP_CHECK_COPIES, the private directory the
server made for this rust-analyzer, so cargo_check can answer from it (rust_mcp/core/analyzer_checks.py).

What it keeps: `stdout` and `stderr` as cargo printed them (a check printing more than
MAX_COPY_BYTES to either, the size the server reads at most, is not copied: the copy so far is
emptied and the rest only passed on, so a flood of output fills no disk), then `done` (JSON: argv,
cwd, when it started and finished, cargo's exit code), written last, when cargo has exited (the last copy's
`done` removed first, so a reader never pairs one check's output with another's). A check cancelled
(rust-analyzer kills its process group) leaves the last whole copy as it was. Standard library
only; no import of our package (it runs inside the sandbox with the system Python)."""

import contextlib
import json
import os
import sys
import threading
import time

FLYCHECK_LOG = "fingerprint"  # rust-analyzer sets CARGO_LOG=cargo::core::compiler::fingerprint=info
FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
CHUNK = 65536
MAX_COPY_BYTES = 64 * 1024 * 1024  # of each of stdout and stderr: what the server reads at most


def _copy(
    source: int, destinations: tuple[int, int], failed: list[bool], limit: int = MAX_COPY_BYTES
) -> None:
    copied = 0
    while chunk := os.read(source, CHUNK):
        copied += len(chunk)
        if copied > limit and not failed[1]:  # more than the server reads: no copy, and no disk used
            failed[1] = True
            with contextlib.suppress(OSError):
                os.ftruncate(destinations[1], 0)
        for index, destination in enumerate(destinations):
            view = memoryview(chunk)
            while view and not failed[index]:
                try:
                    view = view[os.write(destination, view) :]
                except OSError:  # a reader gone, or the copy's disk full: keep draining the other
                    failed[index] = True


def _create(directory: int, name: str) -> int:
    return os.open(name, FLAGS, 0o600, dir_fd=directory)


def main() -> int:
    real = os.environ.get("RUST_MCP_REAL_CARGO", "")
    copies = os.environ.get("RUST_MCP_CHECK_COPIES", "")
    args = sys.argv[1:]
    if not copies or args[:1] != ["check"] or FLYCHECK_LOG not in os.environ.get("CARGO_LOG", ""):
        os.execv(real, [real, *args])
    try:  # no copy possible (the directory gone): the check still runs, uncopied
        directory = os.open(copies, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        started = time.time_ns()
        outputs = (_create(directory, "stdout.part"), _create(directory, "stderr.part"))
    except OSError:
        os.execv(real, [real, *args])
    pipes = [os.pipe(), os.pipe()]
    pid = os.fork()
    if pid == 0:
        os.dup2(pipes[0][1], 1)
        os.dup2(pipes[1][1], 2)
        os.execv(real, [real, *args])
    readers = []
    failures: list[list[bool]] = []
    for (read_end, write_end), output, own in zip(pipes, outputs, (1, 2), strict=True):
        os.close(write_end)
        failures.append([False, False])
        readers.append(threading.Thread(target=_copy, args=(read_end, (own, output), failures[-1])))
        readers[-1].start()
    _, status = os.waitpid(pid, 0)
    for reader in readers:
        reader.join()
    code = os.waitstatus_to_exitcode(status)
    if not any(failed[1] for failed in failures):  # a partial copy is no copy: no `done`
        finished = time.time_ns()
        record = {"argv": args, "cwd": os.getcwd(), "started": started, "finished": finished, "exit": code}
        with contextlib.suppress(OSError):  # cargo's exit status is what rust-analyzer gets, whatever
            done = _create(directory, "done.part")
            os.write(done, json.dumps(record).encode())
            for output in (*outputs, done):
                os.close(output)
            with contextlib.suppress(FileNotFoundError):  # the last copy is whole until replaced
                os.unlink("done", dir_fd=directory)
            for name in ("stdout", "stderr", "done"):
                os.rename(f"{name}.part", name, src_dir_fd=directory, dst_dir_fd=directory)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
