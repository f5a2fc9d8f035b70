"""Helper runs whose whole output the server reads itself (cargo metadata, git, cargo insta's listing,
sccache's statistics): through the same runner as cargo, so they get its process group, timeout and
kill, but with stdout kept whole instead of budgeted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rust_mcp.core.budgets import MAX_CAPTURED_CHARS
from rust_mcp.core.errors import Refusal
from rust_mcp.core.json_nesting import parse_json
from rust_mcp.core.runner import RunRequest, run_process
from rust_mcp.core.sandbox import SandboxedCommand

HELPER_TIMEOUT = 120.0


@dataclass(frozen=True)
class Captured:
    argv: list[str]
    exit_code: int | None
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def failure(self, what: str) -> Refusal:
        """A refusal that says which helper failed and what it printed."""
        said = (self.stderr.strip() or self.stdout.strip())[-600:] or f"exit {self.exit_code}"
        return Refusal(f"{what} failed ({' '.join(self.argv[:4])} ...): {said}")


class KeptLines:
    """A helper's lines, kept whole up to `limit` characters; past it they are counted, not kept."""

    def __init__(self, limit: int = MAX_CAPTURED_CHARS) -> None:
        self.lines: list[str] = []
        self.size = 0
        self.limit = limit
        self.cut = 0  # lines not kept

    def sink(self, line: str) -> bool:
        self.size += len(line) + 1
        if self.size > self.limit:
            self.cut += 1
        else:
            self.lines.append(line)
        return False


async def capture(
    argv: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    timeout: float = HELPER_TIMEOUT,
    stdin: bytes | None = None,
    pass_fds: tuple[int, ...] = (),
    contained: bool = False,
) -> Captured:
    out, err = KeptLines(), KeptLines()
    request = RunRequest(
        argv=list(argv),
        cwd=cwd,
        env=env,
        timeout_seconds=timeout,
        on_stdout=out.sink,
        on_stderr=err.sink,
        stdin_data=stdin,
        pass_fds=pass_fds,
        contained=contained,
    )
    outcome = await run_process(request)
    if outcome.timed_out:
        raise Refusal(f"{' '.join(argv[:3])} did not finish within {timeout:.0f} s")
    if out.cut:
        said = " ".join(argv[:3])
        raise Refusal(f"{said} printed more than {out.limit} characters; nothing of it was used")
    return Captured(list(argv), outcome.exit_code, "\n".join(out.lines), "\n".join(err.lines))


async def workspace_metadata(command: SandboxedCommand) -> dict[str, Any]:
    """The JSON of a prepared `cargo metadata --no-deps` call, started as the sandbox prepared it for
    any cargo tool: members, their dependencies as declared (requirement, kind, path or registry)
    and the workspace root."""
    try:
        run = await capture(
            command.argv, command.cwd, command.env, pass_fds=command.pass_fds, contained=command.contained
        )
    finally:
        command.close()
    if not run.ok:
        raise run.failure("cargo metadata")
    try:
        data: dict[str, Any] = parse_json(run.stdout)
    except ValueError as exc:
        raise Refusal(f"cargo metadata printed something that is not JSON ({exc})") from exc
    return data
