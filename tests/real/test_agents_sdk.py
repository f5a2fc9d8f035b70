"""The OpenAI Agents SDK (`openai-agents` from PyPI) with both servers as `MCPServerStdio`, its real
OpenAIChatCompletionsModel pointed at a local stand-in for the Chat Completions API: a multi-turn
run that calls tools of both servers, and what the SDK shows the model of each result."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support import BIN, require_rust_analyzer
from tests.support.chat_completions_mock import ChatCompletionsMock, serve_chat_completions

pytestmark = [pytest.mark.clients, pytest.mark.real, pytest.mark.anyio]
# the SDK's MCP session times out a call after 5 s by default; cargo needs minutes
CALL_TIMEOUT = 900


async def test_agents_sdk_run_calls_both_servers_and_sees_their_results(workspace_root: Path) -> None:
    # imported here: the SDK takes seconds to import, which collecting the fast tier would pay
    from agents import Agent, OpenAIChatCompletionsModel, Runner, set_tracing_disabled
    from agents.mcp import MCPServerStdio
    from openai import AsyncOpenAI

    require_rust_analyzer()
    set_tracing_disabled(True)  # the SDK would otherwise upload traces to OpenAI
    workspace = str(workspace_root / "workspace")
    script = [
        ("cargo_check", {"path": str(workspace_root / "lib_errors")}),
        ("cargo_metadata", {"path": workspace}),
        ("rust_analyzer_workspace_symbol", {"query": "Circle", "workspace": workspace}),
    ]
    root = str(workspace_root)
    async with (
        MCPServerStdio(
            {"command": str(BIN / "cargo-mcp"), "args": ["serve", "--root", root], "env": dict(os.environ)},
            name="cargo",
            client_session_timeout_seconds=CALL_TIMEOUT,
            use_structured_content=True,
        ) as cargo,
        MCPServerStdio(
            {"command": str(BIN / "rust-analyzer-mcp"), "args": ["--root", root], "env": dict(os.environ)},
            name="rust-analyzer",
            client_session_timeout_seconds=CALL_TIMEOUT,
        ) as analyzer,
    ):
        with serve_chat_completions(ChatCompletionsMock(script)) as mock:
            client = AsyncOpenAI(base_url=f"http://127.0.0.1:{mock.port}/v1", api_key="test", max_retries=0)
            agent = Agent(
                name="rust",
                instructions="Check the Rust projects.",
                mcp_servers=[cargo, analyzer],
                model=OpenAIChatCompletionsModel(model="mock", openai_client=client),
            )
            result = await Runner.run(agent, "check the project", max_turns=len(script) + 1)
    assert result.final_output == "done"
    functions = {tool["function"]["name"] for tool in mock.requests[0]["tools"]}
    assert {"cargo_check", "cargo_test", "rust_analyzer_hover", "rust_analyzer_rename"} <= functions
    outputs = mock.tool_outputs()
    assert len(mock.requests) == len(script) + 1 and len(outputs) == len(script)
    check, metadata, symbols = (outputs[f"call_{turn}"] for turn in (1, 2, 3))
    # an error result: our text, even with use_structured_content
    assert check.startswith("cargo check failed") and "error[E0308]: mismatched types" in check
    # a success with use_structured_content=True: our structuredContent, as JSON
    members = json.loads(metadata)["data"]["members"]
    assert {member["name"] for member in members} == {"app", "geometry", "macros"}
    # the default (use_structured_content=False): our text
    assert "geometry/src/shapes.rs:6" in symbols and not symbols.startswith("{")
