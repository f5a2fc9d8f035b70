"""The four sessions our users run, as MCP prompts and as an AGENTS.md section, from one text each
(workflows.toml beside this module): which tools to call, in which order."""

from __future__ import annotations

import inspect
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.prompts.base import Prompt, PromptArgument
from pydantic import validate_call


@dataclass(frozen=True)
class Workflow:
    name: str
    label: str
    heading: str  # the prompt's first line, filled from its arguments
    description: str
    arguments: dict[str, str]  # name -> description; a trailing "?" on the name marks it optional
    steps: tuple[str, ...]
    server: str  # which server offers it as a prompt


WORKFLOWS_FILE = Path(__file__).with_name("workflows.toml")


def _load(path: Path) -> tuple[Workflow, ...]:
    with path.open("rb") as data:
        table = tomllib.load(data)
    return tuple(
        Workflow(
            name=entry["name"],
            label=entry["label"],
            heading=entry["heading"],
            description=entry["description"],
            arguments=dict(entry.get("arguments", {})),
            steps=tuple(entry["steps"]),
            server=entry["server"],
        )
        for entry in table["workflow"]
    )


WORKFLOWS: tuple[Workflow, ...] = _load(WORKFLOWS_FILE)  # the texts live in workflows.toml


def _fill(workflow: Workflow, values: dict[str, str]) -> dict[str, str]:
    """Derived phrases the step texts use, from the prompt's arguments."""
    package = values.get("package") or ""
    dependencies = [d.strip() for d in (values.get("dependencies") or "").split(",") if d.strip()]
    targets = [t.strip() for t in (values.get("targets") or "").split(",") if t.strip()]
    toolchain = values.get("toolchain") or ""
    return {
        **values,
        "package_scope": f" in package `{package}`" if package else " in the workspace",
        "package_argument": f' with package="{package}"' if package else "",
        "dependency_scope": ", ".join(dependencies) if dependencies else "all dependencies",
        "dependency_argument": (
            f" with dependencies={dependencies} and".replace("'", '"') if dependencies else " with"
        ),
        "targets": ", ".join(targets) or "the targets you need",
        "target_list": ", ".join(f'"{t}"' for t in targets) or '"..."',
        "toolchain_argument": f' and toolchain="{toolchain}"' if toolchain else "",
    }


def render_workflow(workflow: Workflow, values: dict[str, str]) -> str:
    filled = _fill(workflow, values)
    lines = [workflow.heading.format(**filled).strip(), ""]
    lines += [f"{number}. {step.format(**filled)}" for number, step in enumerate(workflow.steps, 1)]
    return "\n".join(lines)


def _prompt_function(workflow: Workflow) -> Callable[..., str]:
    """The prompt's text from its arguments, each checked as a string (pydantic's validate_call,
    made at the first use: building it for every prompt was most of the prompts' share of start-up)."""
    checked: Callable[..., str] | None = None

    def prompt(**values: str | None) -> str:
        return render_workflow(workflow, {k: v for k, v in values.items() if v})

    def first_checked(**values: str | None) -> str:
        nonlocal checked
        if checked is None:
            checked = validate_call(prompt)
        return checked(**values)

    parameters = []
    for raw in workflow.arguments:
        optional = raw.endswith("?")
        parameters.append(
            inspect.Parameter(
                raw.rstrip("?"),
                inspect.Parameter.KEYWORD_ONLY,
                default=None if optional else inspect.Parameter.empty,
                annotation=str | None if optional else str,
            )
        )
    prompt.__signature__ = inspect.Signature(parameters, return_annotation=str)  # type: ignore[attr-defined]
    prompt.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": str}
    prompt.__name__ = first_checked.__name__ = workflow.name
    return first_checked


def workflow_prompt(workflow: Workflow) -> Prompt:
    """The MCP prompt of a workflow: what `prompts/list` shows of it (its arguments, described and
    marked required unless their name ends in "?"), and its text."""
    arguments = [
        PromptArgument(name=raw.rstrip("?"), description=text, required=not raw.endswith("?"))
        for raw, text in workflow.arguments.items()
    ]
    return Prompt(
        name=workflow.name,
        title=workflow.label,
        description=workflow.description,
        arguments=arguments,
        fn=_prompt_function(workflow),
        context_kwarg=None,
    )


def register_prompts(server: MCPServer[Any], server_name: str) -> None:
    for workflow in WORKFLOWS:
        if workflow.server == server_name:
            server.add_prompt(workflow_prompt(workflow))


def agents_snippet() -> str:
    """The same workflows as an AGENTS.md section, for Codex users."""
    lines = ["## Rust work with the cargo and rust-analyzer MCP servers", ""]
    for workflow in WORKFLOWS:
        lines += [f"### {workflow.label}", "", workflow.description, ""]
        placeholders = {name: f"<{name}>" for name in workflow.arguments if not name.endswith("?")}
        filled = _fill(workflow, placeholders)
        lines += [f"{n}. {step.format(**filled)}" for n, step in enumerate(workflow.steps, 1)]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
