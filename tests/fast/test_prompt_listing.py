"""Fast tier: the workflow prompts, built directly instead of through the SDK's decorator (which
derives a pydantic model per prompt at start), list exactly what the decorator lists, render the
same text, and still refuse a missing required argument."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.prompts.base import Prompt
from pydantic import Field

from rust_mcp.mcp.prompts import WORKFLOWS, Workflow, register_prompts, render_workflow

pytestmark = pytest.mark.anyio


def _decorated(workflow: Workflow) -> Prompt:
    """The prompt as the SDK derives it from an annotated function (how the prompts were made)."""

    def prompt(**values: str | None) -> str:
        return render_workflow(workflow, {k: v for k, v in values.items() if v})

    parameters = [
        inspect.Parameter(
            raw.rstrip("?"),
            inspect.Parameter.KEYWORD_ONLY,
            default=None if raw.endswith("?") else inspect.Parameter.empty,
            annotation=Annotated[str | None, Field(description=text)]
            if raw.endswith("?")
            else Annotated[str, Field(description=text)],
        )
        for raw, text in workflow.arguments.items()
    ]
    prompt.__signature__ = inspect.Signature(parameters, return_annotation=str)  # type: ignore[attr-defined]
    prompt.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": str}
    return Prompt.from_function(
        prompt, name=workflow.name, title=workflow.label, description=workflow.description
    )


async def _listing(server: MCPServer[Any]) -> list[dict[str, Any]]:
    async with Client(server, mode="legacy") as client:
        return [prompt.model_dump(mode="json") for prompt in (await client.list_prompts()).prompts]


@pytest.mark.parametrize("server_name", ["cargo", "rust-analyzer"])
async def test_the_prompts_list_what_the_sdk_would_derive(server_name: str) -> None:
    ours: MCPServer[Any] = MCPServer("ours")
    register_prompts(ours, server_name)
    derived: MCPServer[Any] = MCPServer("derived")
    for workflow in WORKFLOWS:
        if workflow.server == server_name:
            derived.add_prompt(_decorated(workflow))
    listed = await _listing(ours)
    assert listed and listed == await _listing(derived)
    assert any(not argument["required"] for prompt in listed for argument in prompt["arguments"])


async def test_a_prompt_renders_its_workflow_and_refuses_a_missing_argument() -> None:
    server: MCPServer[Any] = MCPServer("ours")
    register_prompts(server, "cargo")
    async with Client(server, mode="legacy") as client:
        shown = await client.get_prompt("check_all_targets", {"targets": "wasm32-unknown-unknown"})
        text = shown.messages[0].content.text  # type: ignore[union-attr]
        workflow = next(w for w in WORKFLOWS if w.name == "check_all_targets")
        assert text == render_workflow(workflow, {"targets": "wasm32-unknown-unknown"})
        with pytest.raises(Exception, match=r"[Mm]issing.*targets"):
            await client.get_prompt("check_all_targets", {})
