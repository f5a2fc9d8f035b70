"""How a rust-analyzer tool is declared, and what its body is handed.

A tool is one typed async function marked `@analyzer_tool(capability, title, renderer)`. Its first
parameter is its context, and its type says what is resolved before the body runs (as ruff's server
hands a handler its snapshot):
- `AtPosition`: the position (`Position`, or a `FilePoint`) resolved to an LSP position, in its
  workspace, rust-analyzer started, synced and ready;
- `InFile`: the `file_path` (or a `FilePoint`'s file) confined and checked, in its ready workspace;
- `InWorkspace`: the `workspace` argument (or the connection's default) ready;
- `InFileOrWorkspace`: the `file_path` if given (relative to `workspace`), else as `InWorkspace`;
- `AnalyzerCall`: nothing; the body resolves what it needs itself.
The others are its arguments, where a position group such as `Position` stands for the fields
clients see; its docstring is the description and its return annotation the result model. `check`
refuses bad arguments before anything is resolved or started. A declaration only says what the tool
is: tools/mcp_adapter.py makes an MCP tool of it and runs its calls (resolves the context, hands the
body the snapshot; if rust-analyzer crashes while the body runs, the body runs once more on a new
one: pool.run)."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel

from rust_mcp.core.budgets import ProgressCallback
from rust_mcp.core.client_policy import PolicyOfCall, no_client_policy
from rust_mcp.mcp.capabilities import Capability
from rust_mcp.mcp.confirm import no_questions

from ..places.targets import Target
from ..service import AnalyzerService
from ..workspace.workspaces import Workspace

if TYPE_CHECKING:
    from ..lsp.client import AnalyzerClient

M = TypeVar("M", bound=BaseModel)
ConfirmCallback = Callable[[str], Awaitable[bool]]
DEFAULT_WORKSPACE = "default_workspace"
DEFAULT_TOOLCHAIN = "default_toolchain"  # set with rust_analyzer_set_workspace


@dataclass(frozen=True)
class AnalyzerCall:
    """What a tool gets besides its arguments: the service, this connection's default workspace,
    toolchain and memory (None when the connection is stateless), progress, the user's
    confirmation and the client's sandbox policy."""

    service: AnalyzerService
    default: Path | None = None
    report: ProgressCallback | None = None
    confirm: ConfirmCallback = no_questions
    connection: dict[str, Any] | None = None
    toolchain: str | None = None
    notes: list[str] = field(default_factory=list)  # said first in the answer (a workspace discovered)
    client_policy: PolicyOfCall = no_client_policy  # the client's sandbox policy, read where a child starts


@dataclass(frozen=True)
class InWorkspace:
    """A body's context, a snapshot made before it runs: its call, the service, the ready workspace it
    answers in with its root and rust-analyzer, and when the tool was called (time.monotonic(), before
    anything was resolved)."""

    call: AnalyzerCall
    service: AnalyzerService
    workspace: Workspace
    root: Path
    client: AnalyzerClient
    started: float


@dataclass(frozen=True)
class InFile(InWorkspace):
    """... and the Rust file the call is about."""

    path: Path


@dataclass(frozen=True)
class InFileOrWorkspace(InWorkspace):
    """... and the Rust file the call is limited to, if it names one (`file_path`, relative to the
    call's `workspace`); without one, the whole workspace."""

    path: Path | None


@dataclass(frozen=True)
class AtPosition(InWorkspace):
    """... and the position the call is about, resolved."""

    target: Target


Context = AnalyzerCall | InWorkspace


@dataclass(frozen=True)
class AnalyzerTool(Generic[M]):
    function: Callable[..., Awaitable[M]]
    capability: Capability
    title: str
    render: Callable[[M], str]
    idempotent: bool
    check: Callable[..., None] | None = None

    @property
    def name(self) -> str:
        return self.function.__name__

    @property
    def description(self) -> str:
        return inspect.cleandoc(self.function.__doc__ or "")

    @property
    def result_model(self) -> type[M]:
        model: type[M] = typing.get_type_hints(self.function)["return"]
        return model

    @functools.cached_property
    def can_wait(self) -> bool:
        """Whether a call may ask to wait past the answer deadline: a parameter group with a `wait`
        field (the Checking group of both diagnostics tools), or a `wait` parameter of its own."""
        hints = typing.get_type_hints(self.function)
        return "wait" in hints or any(
            dataclasses.is_dataclass(kind) and "wait" in {member.name for member in dataclasses.fields(kind)}
            for name, kind in hints.items()
            if name != "return"
        )

    @functools.cached_property
    def context(self) -> type[Context]:
        """What the body's first parameter asks to be resolved (read once: it is asked every call)."""
        first = next(iter(inspect.signature(self.function).parameters))
        kind: type[Context] = typing.get_type_hints(self.function)[first]
        return kind


def analyzer_tool(
    capability: Capability,
    title: str,
    render: Callable[[M], str],
    *,
    idempotent: bool | None = None,
    check: Callable[..., None] | None = None,
) -> Callable[[Callable[..., Awaitable[M]]], AnalyzerTool[M]]:
    """Declare a tool; it is idempotent unless it writes (a repeated write is a second change).
    `check(**arguments)` refuses bad arguments before anything starts."""
    if idempotent is None:
        idempotent = capability in (Capability.READ, Capability.RUN)

    def declare(function: Callable[..., Awaitable[M]]) -> AnalyzerTool[M]:
        return AnalyzerTool(function, capability, title, render, idempotent, check)

    return declare
