"""Writes raced, through a real client: while the user is asked to confirm an edit (rename, format,
SSR, a code action), the agent swaps the edited file, or the directory holding it, for a symbolic
link to a copy outside the roots. The edit is checked again when it is written and written without
following links: nothing outside the roots changes, and the refusal says why."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.context import ClientRequestContext
from mcp_types import ElicitRequestParams, ElicitResult

from tests.support import require_rust_analyzer, server_params, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]
SOURCE = """pub fn helper(value: u32) -> u32 {
    value + 1
}

pub fn caller() -> u32 {
    let doubled = helper(2) * 2;
    doubled
}

pub fn   badly( )->u32{1}
"""


def arguments(tool: str, lib: Path, crate: Path) -> dict[str, Any]:
    by_tool: dict[str, dict[str, Any]] = {
        "rust_analyzer_rename": {"file_path": str(lib), "line": 1, "column": 8, "new_name": "assist"},
        "rust_analyzer_format": {"file_path": str(lib)},
        "rust_analyzer_ssr": {"rule": "helper($a) ==>> helper($a + 0)", "workspace": str(crate)},
        "rust_analyzer_apply_code_action": {"file_path": str(lib), "line": 6, "column": 9, "index": 0},
    }
    return by_tool[tool] | {"apply": True}


class SwappingUser:
    """Accepts every confirmation, but first swaps the file or its directory for a symbolic link to a
    copy outside the roots, as an agent racing the user would."""

    def __init__(self, swap: Callable[[], None]) -> None:
        self.swap = swap
        self.questions = 0

    async def __call__(self, context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
        self.questions += 1
        self.swap()
        return ElicitResult(action="accept", content={"confirm": True})


@pytest.fixture(scope="module")
async def analyzer(workspace_root: Path) -> AsyncIterator[tuple[Client, list[SwappingUser]]]:
    require_rust_analyzer()
    users: list[SwappingUser] = []

    async def ask(context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
        return await users[-1](context, params)

    params = server_params("rust-analyzer-mcp", "--root", str(workspace_root), "--max-workspaces", "8")
    async with Client(params, mode="legacy", elicitation_callback=ask, read_timeout_seconds=600) as client:
        yield client, users


@pytest.mark.parametrize("swapped", ["directory", "file"])
@pytest.mark.parametrize(
    "tool",
    ["rust_analyzer_rename", "rust_analyzer_format", "rust_analyzer_ssr", "rust_analyzer_apply_code_action"],
)
async def test_a_link_swapped_in_during_confirmation_is_not_written_through(
    analyzer: tuple[Client, list[SwappingUser]],
    scratch: Path,
    tmp_path_factory: pytest.TempPathFactory,
    tool: str,
    swapped: str,
) -> None:
    client, users = analyzer
    crate = scratch / f"race-{tool}-{swapped}"
    if crate.exists():
        shutil.rmtree(crate)
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text('[package]\nname = "race"\nversion = "0.1.0"\nedition = "2021"\n')
    lib = crate / "src" / "lib.rs"
    lib.write_text(SOURCE)
    outside = tmp_path_factory.mktemp("outside-writes")
    if tool == "rust_analyzer_apply_code_action":
        listed = await client.call_tool(
            "rust_analyzer_code_actions", {"file_path": str(lib), "line": 6, "column": 9}
        )
        assert "0:" in text_of(listed) or "[0]" in text_of(listed), text_of(listed)

    def swap() -> None:
        if swapped == "directory":
            shutil.copytree(crate / "src", outside / "src")
            (crate / "src").rename(crate / "src-real")
            (crate / "src").symlink_to(outside / "src")
        else:
            shutil.copy(lib, outside / "lib.rs")
            lib.rename(crate / "src" / "lib-real.rs")
            lib.symlink_to(outside / "lib.rs")

    user = SwappingUser(swap)
    users.append(user)
    result = await client.call_tool(tool, arguments(tool, lib, crate))
    assert user.questions == 1, text_of(result)
    written_outside = [p for p in outside.rglob("*.rs") if p.read_text() != SOURCE]
    assert written_outside == [], f"{tool} wrote outside the roots through the swapped-in link"
    assert result.is_error and "symbolic link" in text_of(result), text_of(result)
    real = crate / ("src-real/lib.rs" if swapped == "directory" else "src/lib-real.rs")
    assert real.read_text() == SOURCE  # refused whole: nothing was written anywhere
