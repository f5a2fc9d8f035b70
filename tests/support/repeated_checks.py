"""The setup the repeated-check tests share: small crates written from a table of files, and a clean
cargo_check, then the same call again until one is answered from the last run instead of running
cargo (cargo_mcp/run/shared_checks.py)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mcp import Client

from cargo_mcp.run import shared_checks
from tests.support import structured

SETTLING_CALLS = 3  # the first runs write Cargo.lock and the build records: new states, at most 3


async def check_until_settled(client: Client, call: dict[str, Any]) -> dict[str, Any]:
    """A clean `cargo_check` of `call`, then the call again until cargo did not run for it (or
    SETTLING_CALLS more calls): the last answer. Every answer must be clean."""
    answer = structured(await client.call_tool("cargo_check", call))
    assert answer["exit_code"] == 0 and answer["counts"]["errors"] == 0, answer
    for _ in range(SETTLING_CALLS):
        started = shared_checks.RUNS.started
        answer = structured(await client.call_tool("cargo_check", call))
        assert answer["exit_code"] == 0 and answer["counts"]["errors"] == 0, answer
        if shared_checks.RUNS.started == started:
            break
    return answer


def package(name: str, extra: str = "") -> str:
    """A package manifest with the given name (and more lines after its [package] table)."""
    return f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n{extra}'


def write_tree(base: Path, files: Mapping[str, str]) -> None:
    """Each file of `files` (a path relative to `base` -> its text), folders made as needed."""
    for relative, text in files.items():
        path = base / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
