"""The corpus checks' shared parts: a session on one corpus copy (cargo-mcp and rust-analyzer-mcp over
stdio, and a raw rust-analyzer for ground truth), ground truth from cargo's own JSON and the source
text, and the verdicts (tool x corpus -> right / wrong) that `python -m bench.corpus_check` and the
test run's summary print as a table."""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp_types import CallToolResult

from cargo_mcp.results.models import CargoResult
from ra_mcp.tool_set import TOOLS_BY_NAME
from rust_mcp.core.paging import next_page_offset
from rust_mcp.dev.corpus import Corpus, copy
from rust_mcp.dev.corpus_verdicts import record_verdict
from rust_mcp.dev.raw_lsp import RawAnalyzer
from tests.support import require_rust_analyzer, server_params
from tests.support.answer_budget import budget_problems

Place = tuple[str, int, int]  # path relative to the workspace, 1-based line and column


class Checker:
    """Collects, per tool, what one test found wrong on one corpus; records one verdict per tool."""

    def __init__(self, corpus: str) -> None:
        self.corpus = corpus
        self.wrong: dict[str, list[str]] = {}
        self.checked: list[str] = []

    def check(self, tool: str, right: bool, detail: str) -> bool:
        if tool not in self.checked:
            self.checked.append(tool)
        if not right:
            self.wrong.setdefault(tool, []).append(detail)
        return right

    def finish(self) -> None:
        for tool in self.checked:
            problems = self.wrong.get(tool, [])
            record_verdict(self.corpus, tool, not problems, "; ".join(problems))
        assert not self.wrong, json.dumps(self.wrong, indent=1)[:6000]


def check_every_answer_fits(session: CorpusSession) -> None:
    """One verdict per tool the session called: every answer within budget, no list cut silently."""
    checker = Checker(session.name)
    for tool, problems in sorted(session.over_budget.items()):
        checker.check(tool, not problems, "; ".join(problems[:5]) + f" ({len(problems)} answer(s))")
    checker.finish()


MAX_PAGES = 100


@dataclass
class CorpusSession:
    name: str
    root: Path
    cargo: Client
    ra: Client
    raw: RawAnalyzer
    # every answer's budget problems (tests/support/answer_budget.py), by tool (test_every_answer_fits)
    over_budget: dict[str, list[str]] = field(default_factory=dict)

    def measure(self, tool: str, arguments: Mapping[str, Any], result: CallToolResult) -> None:
        problems = self.over_budget.setdefault(tool, [])
        shown = json.dumps(dict(arguments), default=str)[:200]
        problems += [f"{tool} {shown}: {problem}" for problem in budget_problems(result)]

    def rel(self, path: Path) -> str:
        return str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)

    async def cargo_call(self, tool: str, arguments: dict[str, Any]) -> tuple[CallToolResult, dict[str, Any]]:
        result = await self.cargo.call_tool(tool, arguments)
        self.measure(tool, arguments, result)
        content = result.structured_content
        body = (
            CargoResult.model_validate(content).model_dump(mode="json") if isinstance(content, dict) else {}
        )
        return result, body

    async def ra_call(self, tool: str, arguments: dict[str, Any]) -> tuple[CallToolResult, dict[str, Any]]:
        result = await self.ra.call_tool(tool, arguments)
        self.measure(tool, arguments, result)
        content = result.structured_content
        model = TOOLS_BY_NAME[tool].result_model
        body = model.model_validate(content).model_dump(mode="json") if isinstance(content, dict) else {}
        return result, body

    async def ra_whole(self, tool: str, arguments: dict[str, Any]) -> tuple[CallToolResult, dict[str, Any]]:
        """A paged answer read to its end, as an agent would: every page the notes point to (the
        `offset=K` of "call again with offset=K"), their lists put together."""
        result, body = await self.ra_call(tool, arguments)
        pages = 1
        while (following := next_page_offset(body.get("note"))) is not None and pages < MAX_PAGES:
            more, page = await self.ra_call(tool, {**arguments, "offset": following})
            if more.is_error:
                return more, body
            for key, value in page.items():
                if isinstance(value, list) and isinstance(body.get(key), list):
                    body[key] = body[key] + value
            body["note"] = page.get("note")
            pages += 1
        return result, body


@asynccontextmanager
async def corpus_session(
    corpus: Corpus, base: Path, rustflags: str | None = None
) -> AsyncIterator[CorpusSession]:
    """A private copy of the corpus, both servers over stdio with the copy's parent as their root,
    and a raw rust-analyzer on the copy. rust-analyzer-mcp waits up to 10 minutes for a cold start.
    `rustflags` go into the copy's own .cargo/config.toml, committed: every cargo sees them as the
    project's (the servers' sandboxes pass none of the servers' environment to cargo)."""
    require_rust_analyzer()
    root = copy(corpus, base)
    if rustflags:
        await _commit_rustflags(root, rustflags)
    async with AsyncExitStack() as stack:
        cargo = await stack.enter_async_context(
            Client(
                server_params("cargo-mcp", "serve", "--root", str(base), "--log-dir", str(base / "logs")),
                mode="legacy",
                read_timeout_seconds=1800,
            )
        )
        ra = await stack.enter_async_context(
            Client(
                server_params(
                    "rust-analyzer-mcp",
                    "--root",
                    str(base),
                    "--ready-timeout",
                    "900",
                    "--answer-deadline",  # the ready timeout within the call's deadline (call_deadline.py)
                    "910",
                    "--check-timeout",
                    "900",
                ),
                mode="legacy",
                read_timeout_seconds=1800,
            )
        )
        raw = await RawAnalyzer(root).start(ready_seconds=900)
        try:
            yield CorpusSession(corpus.name, root, cargo, ra, raw)
        finally:
            with anyio.CancelScope(shield=True):
                await raw.stop()


async def _commit_rustflags(root: Path, rustflags: str) -> None:
    config = root / ".cargo" / "config.toml"
    config.parent.mkdir(exist_ok=True)
    config.write_text(f"[build]\nrustflags = {json.dumps(rustflags.split())}\n", encoding="utf-8")
    author = ["-c", "user.name=corpus", "-c", "user.email=corpus@rust-mcp.local"]
    await anyio.run_process(["git", "add", ".cargo/config.toml"], cwd=root)
    await anyio.run_process(["git", *author, "commit", "-qm", "rustflags"], cwd=root)


# -- ground truth: cargo's own JSON ---------------------------------------------------------------


@dataclass
class CargoTruth:
    exit_code: int
    messages: list[dict[str, Any]]  # unique compiler messages (a message cargo prints for two targets: once)
    executables: list[str]
    stdout: str
    stderr: str

    def count(self, level: str) -> int:
        return sum(
            1
            for m in self.messages
            if m["level"] == level or (level == "error" and m["level"].startswith("error"))
        )


async def run_cargo(root: Path, args: list[str], env: Mapping[str, str] | None = None) -> CargoTruth:
    """cargo itself, with --message-format=json, in the corpus copy."""
    process = await anyio.run_process(
        ["cargo", *args], cwd=root, env={**os.environ, **(env or {})}, check=False
    )
    stdout = process.stdout.decode(errors="replace")
    seen: set[str] = set()
    messages: list[dict[str, Any]] = []
    executables: list[str] = []
    for line in stdout.splitlines():
        if not line.startswith('{"reason":'):
            continue
        payload = json.loads(line)
        if payload["reason"] == "compiler-artifact" and payload.get("executable"):
            executables.append(payload["executable"])
        if payload["reason"] != "compiler-message":
            continue
        message = payload["message"]
        rendered = message.get("rendered") or message["message"]
        if message["level"] == "failure-note" or rendered in seen:
            continue
        if not message.get("spans") and re.match(
            r"^(aborting due to|\d+ warnings? emitted)", message["message"]
        ):
            continue
        seen.add(rendered)
        primary = next((s for s in message.get("spans") or [] if s.get("is_primary")), None)
        messages.append(
            {
                "level": message["level"],
                "code": (message.get("code") or {}).get("code"),
                "message": message["message"],
                "file": primary["file_name"] if primary else None,
                "line": primary["line_start"] if primary else None,
            }
        )
    return CargoTruth(
        process.returncode, messages, executables, stdout, process.stderr.decode(errors="replace")
    )


# -- ground truth: the source text ---------------------------------------------------------------


def locate(
    root: Path, relative: str, pattern: str, name: str, after: str | None = None
) -> tuple[Path, int, int]:
    """The one line of a file that matches `pattern` (after the first line matching `after`), and the
    1-based column of `name` on it: where an item is declared, read from the source itself."""
    path = root / relative
    lines = path.read_text(encoding="utf-8").split("\n")
    start = 0
    if after is not None:
        start = next(i for i, line in enumerate(lines) if re.search(after, line)) + 1
    found = [i for i in range(start, len(lines)) if re.search(pattern, lines[i])]
    if after is not None:
        found = found[:1]
    assert len(found) == 1, f"{relative}: {pattern!r} matches lines {[i + 1 for i in found]}, not exactly one"
    line = lines[found[0]]
    column = re.search(rf"\b{re.escape(name)}\b", line)
    assert column is not None, f"{name} is not on {relative}:{found[0] + 1}"
    return path, found[0] + 1, column.start() + 1
