"""The four sessions our users run, as MCP prompts and as an AGENTS.md section, from one text each:
which tools to call, in which order."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from pydantic import Field


@dataclass(frozen=True)
class Workflow:
    name: str
    label: str
    heading: str  # the prompt's first line, filled from its arguments
    description: str
    arguments: dict[str, str]  # name -> description; a trailing "?" on the name marks it optional
    steps: tuple[str, ...]
    server: str  # which server offers it as a prompt


WORKFLOWS: tuple[Workflow, ...] = (
    Workflow(
        name="refactor_with_references_first",
        label="Refactor with references first",
        heading="Refactor `{symbol}`: {change}",
        description="A type-driven refactor: find every use semantically first, change, then let the "
        "compiler and the tests verify.",
        arguments={"symbol": "The item to change, e.g. Point::norm2", "change": "What to do with it"},
        steps=(
            'Call rust_analyzer_references with symbol="{symbol}" before editing anything: every use, '
            "grouped by file (it catches re-exports and method calls that text search misses). "
            "rust_analyzer_implementations and rust_analyzer_call_hierarchy add trait impls and callers.",
            "For a rename use rust_analyzer_rename (read the diff, then apply=true); for a pattern across "
            "many call sites use rust_analyzer_ssr; otherwise edit each listed use.",
            "Run cargo_check and fix what it reports (every diagnostic has file, line, column and suggested "
            "replacements) until it is clean.",
            "Run cargo_clippy, then cargo_test; report the files changed and the final test counts.",
        ),
        server="rust-analyzer",
    ),
    Workflow(
        name="audit_unsafe",
        label="Audit unsafe code",
        heading="Audit the unsafe code{package_scope}",
        description="An unsafe-code audit: every unsafe site, its documentation, its operations and "
        "clippy's findings, with a recommendation for each.",
        arguments={"package?": "Only this workspace member (default: the whole workspace)"},
        steps=(
            "Call rust_analyzer_unsafe_audit{package_argument}: every unsafe block, fn, impl and trait with "
            "its location, enclosing item, whether a SAFETY comment or # Safety section documents it, the "
            "unsafe operations inside and clippy's findings.",
            "For each site, say why unsafe is needed, whether a safe alternative exists, and whether the "
            "safety invariants are documented; use rust_analyzer_hover on the types and functions involved.",
            'Confirm with cargo_clippy and warn=["clippy::undocumented_unsafe_blocks", '
            '"clippy::multiple_unsafe_ops_per_block", "clippy::missing_safety_doc", '
            '"unsafe_op_in_unsafe_fn"].',
            "Report a table (location, kind, documented, operations, findings, recommendation). Change "
            "nothing unless asked.",
        ),
        server="rust-analyzer",
    ),
    Workflow(
        name="upgrade_dependencies_safely",
        label="Upgrade dependencies safely",
        heading="Upgrade {dependency_scope} and keep only what still builds and passes its tests",
        description="A dependency upgrade that is reverted, byte for byte, when it breaks the build or "
        "the tests.",
        arguments={"dependencies?": "Comma-separated crates to upgrade (default: all)"},
        steps=(
            "Call cargo_outdated: each dependency's locked version, the newest its requirement allows and "
            "the newest overall (from the crates.io index; nothing changes). cargo_update with dry_run=true "
            "shows what an update would change.",
            'Call cargo_update{dependency_argument} verify="test": if the tests fail, every Cargo.toml and '
            "Cargo.lock is restored byte for byte and the result says what broke. For a new major version "
            'use cargo_add with "name@version" and verify="test".',
            "Report each upgrade as kept or reverted, with the reason.",
        ),
        server="cargo",
    ),
    Workflow(
        name="check_all_targets",
        label="Check all targets",
        heading="Check that the crate compiles for {targets}",
        description="A cross-target check: one row per target, with the fix when a target's standard "
        "library is missing.",
        arguments={
            "targets": "Comma-separated target triples, e.g. "
            "wasm32-unknown-unknown,aarch64-unknown-linux-gnu",
            "toolchain?": "A toolchain, e.g. stable or nightly",
        },
        steps=(
            "Call cargo_check with targets=[{target_list}]{toolchain_argument}: each target in turn, "
            "reported as ok, errors, or std not installed (with the rustup command that installs it).",
            "For targets with errors, read the listed diagnostics (usually cfg-gated code or "
            "target-specific dependencies); rust_analyzer_definition and rust_analyzer_hover help.",
            "Report per target. Do not install toolchains or targets yourself; name the command instead.",
        ),
        server="cargo",
    ),
)


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
    def prompt(**values: str | None) -> str:
        return render_workflow(workflow, {k: v for k, v in values.items() if v})

    parameters = []
    for raw, text in workflow.arguments.items():
        optional = raw.endswith("?")
        parameters.append(
            inspect.Parameter(
                raw.rstrip("?"),
                inspect.Parameter.KEYWORD_ONLY,
                default=None if optional else inspect.Parameter.empty,
                annotation=Annotated[str | None, Field(description=text)]
                if optional
                else Annotated[str, Field(description=text)],
            )
        )
    prompt.__signature__ = inspect.Signature(parameters, return_annotation=str)  # type: ignore[attr-defined]
    prompt.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": str}
    prompt.__name__ = workflow.name
    return prompt


def register_prompts(server: MCPServer[Any], server_name: str) -> None:
    for workflow in WORKFLOWS:
        if workflow.server == server_name:
            server.prompt(name=workflow.name, title=workflow.label, description=workflow.description)(
                _prompt_function(workflow)
            )


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
