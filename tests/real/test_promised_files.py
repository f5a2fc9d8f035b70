"""Where an answer promises a file (a full log, a whole diff), the file exists and its path is in the
answer: a few real calls on the fixtures (every rendered shape without a process:
tests/fast/test_promised_file_texts.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client

from tests.support import copy_fixture, structured, text_of
from tests.support.promises import broken_promises


@pytest.mark.real
@pytest.mark.anyio
async def test_real_cargo_answers_name_logs_that_exist(cargo: Client, scratch: Path) -> None:
    project = copy_fixture("lib_errors", scratch / "promised-files")
    calls: list[tuple[str, dict[str, Any]]] = [
        ("cargo_check", {}),
        ("cargo_tree", {"depth": 0}),
        ("cargo_metadata", {"no_deps": True}),
        ("cargo_fmt_check", {}),
    ]
    for tool, arguments in calls:
        result = await cargo.call_tool(tool, {"path": str(project), **arguments})
        body = structured(result)
        assert body.get("log_path") and Path(body["log_path"]).is_file(), tool
        assert broken_promises(text_of(result)) == [], (tool, text_of(result)[-600:])
        if body.get("full_diff"):
            assert Path(body["full_diff"]).is_file()
