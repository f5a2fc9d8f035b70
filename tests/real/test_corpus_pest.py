"""The pest corpus (pest 2.8.3 with pest_meta, pest_generator and pest_derive, a proc macro, from
crates.io), the second field test's workspace, driven as a new user would: Codex CLI started at a
repository root whose Cargo workspace is a subdirectory (pest/), both servers registered as the README
says. What went wrong there, checked against ground truth computed apart from our code (a raw
rust-analyzer after quiescence, the source)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import anyio
import pytest

from rust_mcp.dev.corpus import PEST, copy
from rust_mcp.dev.raw_lsp import RawAnalyzer
from tests.support import require_bubblewrap, require_rust_analyzer
from tests.support.codex_driver import CodexSetup, run_codex_with
from tests.support.responses_mock import ResponsesMock

pytestmark = [pytest.mark.anyio, pytest.mark.real, pytest.mark.corpus, pytest.mark.clients]
POSITION = "pest/src/position.rs"  # as answers write it: relative to the workspace pest/


def _answer(output: str) -> dict[str, object]:
    """The JSON Codex showed the model (after its "Wall time ... Output:" lines)."""
    assert output.lstrip().startswith("Wall time"), output[:2000]  # a refusal comes as a list of texts
    found: dict[str, object] = json.loads(output[output.index("{") :])
    return found


async def _raw_truth(workspace: Path) -> tuple[str, int]:
    """Raw rust-analyzer's hover on `Position::pos` and its count of symbols in position.rs."""
    raw = await RawAnalyzer(workspace).start()
    try:
        hover = await raw.hover(workspace / POSITION, 75, 11)
        symbols = await raw.document_symbols(workspace / POSITION)
    finally:
        await raw.stop()

    def count(items: list[dict[str, Any]]) -> int:
        return sum(1 + count(item.get("children") or []) for item in items)

    return hover, count(symbols)


async def test_paths_as_answers_write_them_work_from_the_repository_root(tmp_path: Path) -> None:
    """Codex at a repository root holding the workspace pest/: answers write paths relative to
    pest/ (`pest/src/position.rs`), but the same path passed back as `file_path` was refused
    ("file 'pest/src/position.rs' does not exist"): it was taken from the root, where it names
    nothing."""
    require_bubblewrap()
    require_rust_analyzer()
    repository = tmp_path / "repository"
    repository.mkdir()
    workspace = copy(PEST, repository)
    hover_truth, symbols_truth = await _raw_truth(workspace)
    assert "pub fn pos(&self) -> usize" in hover_truth, hover_truth
    mock = ResponsesMock(
        "rust_analyzer_hover",
        {"file_path": POSITION, "line": 76, "column": 12},
        more=[("rust_analyzer_symbols", {"file_path": POSITION, "limit": 1000})],
    )
    # as the README registers it for Codex: answers wait up to 280 s for a cold workspace's indexing
    setup = CodexSetup(
        analyzer_args=("--ready-timeout", "270"), server_env={"RUST_ANALYZER_MCP_ANSWER_DEADLINE": "280"}
    )
    proc = await anyio.to_thread.run_sync(
        run_codex_with, tmp_path / "codex", mock, repository, repository, setup
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    said = f"using workspace pest/ found under {repository}"
    hover = _answer(mock.tool_output("call_1"))
    assert hover["found"] is True and "pub fn pos(&self) -> usize" in str(hover["markdown"]), hover
    assert re.sub(r"\s+", " ", hover_truth) in re.sub(r"\s+", " ", str(hover["markdown"])), hover
    assert said in str(hover["note"]), hover
    symbols = _answer(mock.tool_output("call_2"))
    assert symbols["path"] == POSITION and symbols["total"] == symbols_truth, symbols
