"""The MCP face of cargo_mcp: its tools, built from the code (cargo_mcp/tool_set.py) with the server,
its prompts and instructions."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer

from cargo_mcp.run.settings import CargoSettings
from cargo_mcp.tool_set import build_tools
from rust_mcp import __version__
from rust_mcp.mcp.codex_sandbox import declare_sandbox_state_meta
from rust_mcp.mcp.connections import ConnectionMemory
from rust_mcp.mcp.prompts import register_prompts
from rust_mcp.mcp.telemetry import keep_spans_only_when_exported

# Said once here, not in every tool's schema: Codex shows a server's instructions to the model as the
# description of its tools' namespace (keep the first 512 characters self-contained), Claude Code
# keeps their first 2,048 characters.
INSTRUCTIONS = (
    "Runs whitelisted cargo commands on Rust projects inside the server's allowed roots and returns "
    "structured, sized results: diagnostics with file/line/column and fixes (errors first), test counts "
    "with each failure's output, and the path of the full log. Check with cargo_check, lint with "
    "cargo_clippy, test with cargo_test.\n"
    "Every tool takes `path` (project directory, or a Cargo.toml or .rs file in it; default: the "
    "directory given to set_working_directory, else the server's first root, or the one workspace "
    "below it), `toolchain` "
    "(a rustup name such as stable, beta, nightly, 1.95.0 or nightly-2026-05-01; default "
    "CARGO_MCP_DEFAULT_TOOLCHAIN), `cargo_env` "
    "(extra environment, names to strings, allowlisted: cargo and rustc settings, RUSTFLAGS with allowed "
    "flags, RUST_BACKTRACE, RUST_LOG) and `timeout_secs` (default: the server's --default-timeout, 600 "
    "unless set). Other parameters are cargo's options of the same names. A value that is not allowed "
    "is refused with the reason and what is allowed; nothing runs. Long lists come in pages (diagnostics "
    "errors first, cargo_metadata's members, cargo_tree's lines): the answer names the `offset` of the "
    "next page (cargo replays diagnostics from its cache). `changed=true` runs only on the packages "
    "with files changed since `since` (a git revision, default HEAD; giving it sets changed) and their "
    "dependents. In cargo_test and cargo_nextest, `test_name` is a substring of test paths and "
    "`test_target` runs only tests/NAME.rs; cargo_bench's `bench_name` is a substring of bench names."
)


def build_server(settings: CargoSettings, memory: ConnectionMemory | None = None) -> MCPServer[Any]:
    tools = build_tools(settings, memory or ConnectionMemory())
    server: MCPServer[Any] = MCPServer(
        "cargo-mcp", version=__version__, instructions=INSTRUCTIONS, tools=tools
    )
    register_prompts(server, "cargo")
    declare_sandbox_state_meta(server)
    keep_spans_only_when_exported(server)
    return server
