"""File and folder names that are not UTF-8 (a hostile repository can commit them) end no server:
Python keeps their bytes as lone surrogates, which JSON cannot carry, so every answer shows them as
`\\xNN`. Through cargo-mcp on stdio, as clients start it: a root holding two workspaces, one of
them in such a folder, is refused naming both, a scoped check lists such a file as added, and the
server answers the next call. Real cargo, real git."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from tests.support import BIN, require_bubblewrap, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.real]


def _crate(directory: bytes, name: str) -> None:
    os.makedirs(directory + b"/src")
    with open(directory + b"/Cargo.toml", "w") as manifest:
        manifest.write(f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n')
    with open(directory + b"/src/lib.rs", "w"):
        pass


def _projects(root: Path) -> bytes:
    """Workspaces `odd\\xff` and `plain` (committed, then a file `\\xfe\\xff.rs` added); `plain`."""
    odd, plain = os.fsencode(root / "odd") + b"\xff", os.fsencode(root / "plain")
    _crate(odd, "odd")
    _crate(plain, "plain")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@localhost"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "start"]):
        subprocess.run([*git, *args], cwd=plain, check=True)
    with open(plain + b"/src/\xfe\xff.rs", "w"):
        pass
    return plain


async def test_names_that_are_not_utf8_are_shown_escaped_and_end_no_server(tmp_path: Path) -> None:
    require_bubblewrap()
    root = tmp_path / "root"
    plain = _projects(root)
    server = StdioServerParameters(
        command=str(BIN / "cargo-mcp"),
        args=["serve", "--root", str(root)],
        env=dict(os.environ),
        cwd=str(root),
    )
    async with Client(server, mode="legacy", read_timeout_seconds=600) as client:
        refused = await client.call_tool("cargo_check", {})
        assert refused.is_error and "odd\\xff/" in text_of(refused) and "plain/" in text_of(refused)
        scoped = await client.call_tool("cargo_check", {"path": os.fsdecode(plain), "changed": True})
        assert not scoped.is_error, text_of(scoped)
        assert isinstance(scoped.structured_content, dict)
        assert "src/\\xfe\\xff.rs" in scoped.structured_content["scope"]["files"]
        after = await client.call_tool("cargo_check", {"path": os.fsdecode(plain)})
        assert not after.is_error, text_of(after)


async def test_a_workspace_under_such_a_name_gets_an_answer_naming_it(tmp_path: Path) -> None:
    """Started inside `odd\\xff` (its default workspace), cargo-mcp answers each call with what
    cargo said, the path shown escaped, not with an opaque error from measuring the answer."""
    require_bubblewrap()
    root = tmp_path / "root"
    _projects(root)
    odd = os.fsdecode(os.fsencode(root / "odd") + b"\xff")
    server = StdioServerParameters(
        command=str(BIN / "cargo-mcp"), args=["serve"], env=dict(os.environ), cwd=odd
    )
    async with Client(server, mode="legacy", read_timeout_seconds=600) as client:
        for tool in ("cargo_check", "cargo_metadata"):
            answer = text_of(await client.call_tool(tool, {}))
            assert "odd\\xff/Cargo.toml" in answer and "Error executing tool" not in answer, answer
