"""Streamable HTTP: both servers on loopback by default, a bearer token that is always enforced,
and the SDK's HTTP client as the real client."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

from cargo_mcp.table.rows import COMMANDS  # every row is a tool, plus set_working_directory
from tests.support import BIN, require_rust_analyzer, structured, text_of
from tests.support.http_support import TOKEN, http_client, http_server

pytestmark = [pytest.mark.anyio, pytest.mark.real]


def _listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as /proc/net/tcp writes them) with a socket listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.add(address)
    return found


async def test_cargo_over_http_needs_the_token_and_keeps_session_state(workspace_root: Path) -> None:
    server = (str(BIN / "cargo-mcp"), "serve", "--root", str(workspace_root))
    with http_server(*server, env={"CARGO_MCP_AUTH_TOKEN": TOKEN}) as (port, _):
        assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1 only
        async with httpx2.AsyncClient() as raw:
            for headers in ({}, {"Authorization": "Bearer wrong"}):
                response = await raw.post(f"http://127.0.0.1:{port}/mcp", json={}, headers=headers)
                assert response.status_code == 401
        async with http_client(port, TOKEN) as client:
            assert len((await client.list_tools()).tools) == len(COMMANDS) + 1
            await client.call_tool("set_working_directory", {"path": str(workspace_root / "lib_errors")})
            result = await client.call_tool("cargo_check", {})
            body = structured(result)
            assert body["counts"]["errors"] == 1 and body["manifest"].endswith("lib_errors/Cargo.toml")
        async with http_client(port, TOKEN, mode="auto") as modern:
            refused = await modern.call_tool("set_working_directory", {"path": str(workspace_root)})
            assert refused.is_error and "stateless" in text_of(refused)
            checked = await modern.call_tool("cargo_check", {"path": str(workspace_root / "hello_bin")})
            assert not checked.is_error


async def test_rust_analyzer_over_http(workspace_root: Path) -> None:
    require_rust_analyzer()
    with http_server(str(BIN / "rust-analyzer-mcp"), "--root", str(workspace_root)) as (port, _):
        async with http_client(port) as client:
            assert len((await client.list_tools()).tools) == 22
            result = await client.call_tool(
                "rust_analyzer_workspace_symbol",
                {"query": "Circle", "workspace": str(workspace_root / "workspace")},
            )
            assert not result.is_error, text_of(result)
            assert "geometry/src/shapes.rs" in text_of(result)
