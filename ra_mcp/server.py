"""The MCP face of ra_mcp: thin tool functions over the analyzer service."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp_types import CallToolResult
from pydantic import BaseModel, Field

from cargo_mcp.calls import CargoService, CargoSettings
from rust_mcp import __version__
from rust_mcp.core.client_policy import current_client_policy
from rust_mcp.core.errors import Refusal
from rust_mcp.core.roots import AllowedRoots
from rust_mcp.core.sandbox import SandboxMode
from rust_mcp.mcp import capabilities
from rust_mcp.mcp.capabilities import Capability
from rust_mcp.mcp.codex_sandbox import client_policy, declare_sandbox_state_meta
from rust_mcp.mcp.confirm import Confirmer, InputNeeded
from rust_mcp.mcp.connections import ConnectionMemory
from rust_mcp.mcp.prompts import register_prompts
from rust_mcp.mcp.registration import model_result, refusal_result, strict_tool, text_result

from . import render
from .analyzer import AnalyzerService, TargetSpec
from .containment import AnalyzerSandbox
from .discovery import AnalyzerMissing, find_analyzer, std_sources_env
from .lsp import AnalyzerCrashed
from .models import (
    AnalyzerStatus,
    CallHierarchyResult,
    CodeActionList,
    CompletionList,
    DiagnosticReport,
    EditResult,
    HoverResult,
    LocationList,
    MacroExpansion,
    ReferenceResult,
    RunnableList,
    SymbolOutline,
    UnsafeAudit,
    WorkspaceChoice,
)
from .params import (
    ApplyArg,
    BodyArg,
    CheckArg,
    CheckTimeoutArg,
    ColumnArg,
    Direction,
    EndColumnArg,
    EndLineArg,
    FileArg,
    LimitArg,
    LineArg,
    OptionalFileArg,
    Severity,
    SymbolArg,
    WorkspaceArg,
)
from .tools import audit, diagnostics, navigation
from .tools import edits as changes
from .workspaces import PoolSettings, ProgressCallback, StillIndexing, WorkspacePool

M = TypeVar("M", bound=BaseModel)
DEFAULT_WORKSPACE = "default_workspace"
INSTRUCTIONS = (
    "Answers semantic questions about Rust code with rust-analyzer: definitions, references, hover, symbols "
    "by name, diagnostics (including cargo check), call hierarchy, macro expansion, and refactors that "
    "preview a diff before writing (rename, SSR, code actions, format). Positions are 1-based line and "
    "column in characters; instead of a position you may pass `symbol`, e.g. `Point::norm2`."
)
# may load a workspace, where rust-analyzer runs build scripts and proc macros: read-only because
# that code runs in the sandbox
LOADS = (Capability.RUN, True)
STATUS = (Capability.READ, True)  # reports on the running analyzers, starts none
AUDIT_CLIPPY = (
    "Also run clippy's unsafe lints (undocumented_unsafe_blocks, multiple_unsafe_ops_per_block, "
    "missing_safety_doc, unsafe_op_in_unsafe_fn) and attach their findings to the sites."
)


def _write(idempotent: bool = False) -> tuple[Capability, bool]:
    return (Capability.DESTRUCTIVE, idempotent)


# every tool: its result model, its capability (and whether it is idempotent) and its title
CATALOGUE: dict[str, tuple[type[BaseModel], tuple[Capability, bool], str]] = {
    "rust_analyzer_symbols": (SymbolOutline, LOADS, "File outline"),
    "rust_analyzer_definition": (LocationList, LOADS, "Go to definition"),
    "rust_analyzer_references": (ReferenceResult, LOADS, "Find references"),
    "rust_analyzer_hover": (HoverResult, LOADS, "Hover"),
    "rust_analyzer_completion": (CompletionList, LOADS, "Completions"),
    "rust_analyzer_format": (EditResult, _write(idempotent=True), "Format file"),
    "rust_analyzer_code_actions": (CodeActionList, LOADS, "Code actions"),
    "rust_analyzer_diagnostics": (DiagnosticReport, LOADS, "File diagnostics"),
    "rust_analyzer_workspace_diagnostics": (DiagnosticReport, LOADS, "Workspace diagnostics"),
    "rust_analyzer_set_workspace": (WorkspaceChoice, LOADS, "Set workspace"),
    "rust_analyzer_rename": (EditResult, _write(), "Rename symbol"),
    "rust_analyzer_workspace_symbol": (LocationList, LOADS, "Find symbol by name"),
    "rust_analyzer_implementations": (LocationList, LOADS, "Implementations"),
    "rust_analyzer_type_definition": (LocationList, LOADS, "Go to type definition"),
    "rust_analyzer_call_hierarchy": (CallHierarchyResult, LOADS, "Call hierarchy"),
    "rust_analyzer_expand_macro": (MacroExpansion, LOADS, "Expand macro"),
    "rust_analyzer_runnables": (RunnableList, LOADS, "Runnables"),
    "rust_analyzer_related_tests": (RunnableList, LOADS, "Related tests"),
    "rust_analyzer_ssr": (EditResult, _write(), "Structural search and replace"),
    "rust_analyzer_apply_code_action": (EditResult, _write(), "Apply code action"),
    "rust_analyzer_status": (AnalyzerStatus, STATUS, "rust-analyzer status"),
    "rust_analyzer_unsafe_audit": (UnsafeAudit, LOADS, "Unsafe code audit"),
}


@dataclass(frozen=True)
class Call:
    """What every tool call hands the analyzer service."""

    service: AnalyzerService
    report: ProgressCallback
    default: Path | None
    confirm: Confirmer


@dataclass(frozen=True)
class AnalyzerSettings:
    roots: AllowedRoots
    rust_analyzer: str | None = None
    pool: PoolSettings = field(default_factory=PoolSettings)
    check_timeout: int = 300
    confirm_writes: bool = True
    sandbox: SandboxMode = "auto"


def build_server(settings: AnalyzerSettings, memory: ConnectionMemory | None = None) -> MCPServer[Any]:
    memory = memory or ConnectionMemory()
    service: AnalyzerService | None = None
    missing: str | None = None
    cargo = CargoService(CargoSettings(settings.roots, sandbox=settings.sandbox))
    try:
        analyzer = find_analyzer(settings.rust_analyzer)
        _, std_warning = std_sources_env()

        def record_std_warning(warning: str | None) -> None:
            if service is not None:
                service.std_warning = warning

        launcher = AnalyzerSandbox(cargo, analyzer, record_std_warning)
        pool = WorkspacePool(settings.roots, analyzer, {}, settings.pool, launcher.command)
        service = AnalyzerService(settings.roots, pool, std_warning, cargo)
    except AnalyzerMissing as exc:
        missing = str(exc)

    async def answer(
        ctx: Context[Any, Any], produce: Callable[[Call], Awaitable[M]], show: Callable[[M], str]
    ) -> CallToolResult:
        if service is None:
            return text_result(f"rust-analyzer is not available: {missing}", is_error=True)

        async def report(progress: float, total: float | None, message: str) -> None:
            await ctx.report_progress(progress, total, message)

        call = Call(
            service, report, memory.get(ctx, DEFAULT_WORKSPACE), Confirmer(ctx, settings.confirm_writes)
        )
        current_client_policy.set(client_policy(ctx))  # this call's task only
        try:
            model = await produce(call)
        except Refusal as exc:
            return refusal_result(str(exc))
        except InputNeeded as needed:  # 2026-07-28: the client asks the user, then calls again
            return needed.result  # type: ignore[return-value]
        except StillIndexing as exc:
            return text_result(str(exc), is_error=True)
        except AnalyzerCrashed as exc:
            return text_result(
                f"rust-analyzer stopped twice while answering ({exc}); see rust_analyzer_status",
                is_error=True,
            )
        except TimeoutError:
            return text_result(
                "rust-analyzer did not answer in time; the request was cancelled. Try again, "
                "or narrow the question",
                is_error=True,
            )
        return model_result(model, show(model))

    def spec(
        file_path: str | None,
        line: int | None,
        column: int | None,
        symbol: str | None,
        workspace: str | None = None,
    ) -> TargetSpec:
        return TargetSpec(file_path=file_path, line=line, column=column, symbol=symbol, workspace=workspace)

    async def rust_analyzer_definition(
        ctx: Context[Any, Any],
        file_path: OptionalFileArg = None,
        line: LineArg = None,
        column: ColumnArg = None,
        symbol: SymbolArg = None,
        workspace: WorkspaceArg = None,
        include_body: BodyArg = False,
    ) -> CallToolResult:
        """Go to the definition of the symbol at a position (or of `symbol`): where it is declared, as
        path:line:column with the source line, optionally with its source."""
        target = spec(file_path, line, column, symbol, workspace)
        return await answer(
            ctx,
            lambda c: navigation.goto(c.service, "definition", target, c.default, include_body, c.report),
            render.locations,
        )

    async def rust_analyzer_type_definition(
        ctx: Context[Any, Any],
        file_path: OptionalFileArg = None,
        line: LineArg = None,
        column: ColumnArg = None,
        symbol: SymbolArg = None,
        workspace: WorkspaceArg = None,
        include_body: BodyArg = False,
    ) -> CallToolResult:
        """Go to the definition of the type of the expression or binding at a position (for `let p = ...`,
        the struct of `p`)."""
        target = spec(file_path, line, column, symbol, workspace)
        return await answer(
            ctx,
            lambda c: navigation.goto(
                c.service, "type definition", target, c.default, include_body, c.report
            ),
            render.locations,
        )

    async def rust_analyzer_implementations(
        ctx: Context[Any, Any],
        file_path: OptionalFileArg = None,
        line: LineArg = None,
        column: ColumnArg = None,
        symbol: SymbolArg = None,
        workspace: WorkspaceArg = None,
        include_body: BodyArg = False,
    ) -> CallToolResult:
        """Find the implementations of a trait or trait method (the `impl` blocks), or the impls of a type."""
        target = spec(file_path, line, column, symbol, workspace)
        return await answer(
            ctx,
            lambda c: navigation.goto(
                c.service, "implementations", target, c.default, include_body, c.report
            ),
            render.locations,
        )

    async def rust_analyzer_references(
        ctx: Context[Any, Any],
        file_path: OptionalFileArg = None,
        line: LineArg = None,
        column: ColumnArg = None,
        symbol: SymbolArg = None,
        workspace: WorkspaceArg = None,
        include_declaration: Annotated[bool, Field(description="Also list the declaration itself.")] = True,
        limit: LimitArg = 100,
    ) -> CallToolResult:
        """Find every use of the symbol at a position (or of `symbol`) across the workspace, grouped by
        file, each with its source line. Semantic: catches re-exports and method calls grep misses."""
        target = spec(file_path, line, column, symbol, workspace)
        return await answer(
            ctx,
            lambda c: navigation.references(
                c.service, target, c.default, include_declaration, limit, c.report
            ),
            render.references,
        )

    async def rust_analyzer_hover(
        ctx: Context[Any, Any],
        file_path: OptionalFileArg = None,
        line: LineArg = None,
        column: ColumnArg = None,
        symbol: SymbolArg = None,
        workspace: WorkspaceArg = None,
    ) -> CallToolResult:
        """Type and documentation of the symbol at a position (or of `symbol`), as markdown."""
        target = spec(file_path, line, column, symbol, workspace)
        return await answer(
            ctx, lambda c: navigation.hover(c.service, target, c.default, c.report), render.hover
        )

    async def rust_analyzer_symbols(
        ctx: Context[Any, Any],
        file_path: FileArg,
        include_bodies: Annotated[
            bool, Field(description="Also return the source of each top-level item.")
        ] = False,
    ) -> CallToolResult:
        """Outline of a file: its items (structs, enums, traits, impls, functions, methods, fields) with
        1-based positions, nested; optionally with their source."""
        return await answer(
            ctx,
            lambda c: navigation.document_symbols(c.service, file_path, c.default, include_bodies, c.report),
            render.symbols,
        )

    async def rust_analyzer_workspace_symbol(
        ctx: Context[Any, Any],
        query: Annotated[str, Field(description="Name or part of one, e.g. `norm`.")],
        workspace: WorkspaceArg = None,
        types_only: Annotated[
            bool, Field(description="Only types (structs, enums, traits, unions).")
        ] = False,
        with_dependencies: Annotated[bool, Field(description="Also search dependencies and std.")] = False,
        limit: LimitArg = 50,
    ) -> CallToolResult:
        """Find symbols by name across the workspace (fuzzy), exact matches first, with their locations."""
        return await answer(
            ctx,
            lambda c: navigation.workspace_symbols(
                c.service, query, workspace, c.default, types_only, with_dependencies, limit, c.report
            ),
            render.locations,
        )

    async def rust_analyzer_completion(
        ctx: Context[Any, Any],
        file_path: FileArg,
        line: LineArg = None,
        column: ColumnArg = None,
        limit: LimitArg = 30,
    ) -> CallToolResult:
        """Completions at a position (e.g. just after `value.`), most relevant first."""
        target = spec(file_path, line, column, None)
        return await answer(
            ctx,
            lambda c: navigation.completion(c.service, target, c.default, limit, c.report),
            render.completions,
        )

    async def rust_analyzer_call_hierarchy(
        ctx: Context[Any, Any],
        file_path: OptionalFileArg = None,
        line: LineArg = None,
        column: ColumnArg = None,
        symbol: SymbolArg = None,
        workspace: WorkspaceArg = None,
        direction: Annotated[
            Direction, Field(description="incoming (callers), outgoing (callees) or both.")
        ] = "both",
        limit: LimitArg = 50,
    ) -> CallToolResult:
        """Who calls the function at a position, and what it calls, each with the call sites."""
        target = spec(file_path, line, column, symbol, workspace)
        return await answer(
            ctx,
            lambda c: navigation.call_hierarchy(c.service, target, c.default, direction, limit, c.report),
            render.calls,
        )

    async def rust_analyzer_expand_macro(
        ctx: Context[Any, Any],
        file_path: FileArg,
        line: LineArg = None,
        column: ColumnArg = None,
        symbol: SymbolArg = None,
        workspace: WorkspaceArg = None,
    ) -> CallToolResult:
        """Expand the macro call or derive at a position (point at the macro's name) into Rust source."""
        target = spec(file_path, line, column, symbol, workspace)
        return await answer(
            ctx, lambda c: navigation.expand_macro(c.service, target, c.default, c.report), render.expansion
        )

    async def rust_analyzer_runnables(
        ctx: Context[Any, Any],
        file_path: FileArg,
        line: LineArg = None,
        column: ColumnArg = None,
    ) -> CallToolResult:
        """Tests, benches, binaries and doc tests in a file (or at a line), each with its cargo command."""
        return await answer(
            ctx,
            lambda c: navigation.runnables(c.service, file_path, line, column, c.default, c.report),
            render.runnables,
        )

    async def rust_analyzer_related_tests(
        ctx: Context[Any, Any],
        file_path: OptionalFileArg = None,
        line: LineArg = None,
        column: ColumnArg = None,
        symbol: SymbolArg = None,
        workspace: WorkspaceArg = None,
    ) -> CallToolResult:
        """Tests that exercise the function or item at a position, each with its cargo command."""
        target = spec(file_path, line, column, symbol, workspace)
        return await answer(
            ctx, lambda c: navigation.related_tests(c.service, target, c.default, c.report), render.runnables
        )

    async def rust_analyzer_diagnostics(
        ctx: Context[Any, Any],
        file_path: FileArg,
        include_check: CheckArg = True,
        check_timeout_secs: CheckTimeoutArg = settings.check_timeout,
    ) -> CallToolResult:
        """Errors and warnings for one file, fresh: rust-analyzer's own analysis of the file as it is on
        disk now, plus the results of a cargo check started for this call and waited for."""
        return await answer(
            ctx,
            lambda c: diagnostics.file_diagnostics(
                c.service, file_path, c.default, include_check, check_timeout_secs, c.report
            ),
            render.diagnostics,
        )

    async def rust_analyzer_workspace_diagnostics(
        ctx: Context[Any, Any],
        workspace: WorkspaceArg = None,
        include_check: CheckArg = True,
        check_timeout_secs: CheckTimeoutArg = settings.check_timeout,
        min_severity: Annotated[Severity, Field(description="Leave out anything less severe.")] = "warning",
        limit: LimitArg = 100,
    ) -> CallToolResult:
        """Errors and warnings across every .rs file of every workspace member (not only open files),
        plus one workspace-wide cargo check; errors first."""
        return await answer(
            ctx,
            lambda c: diagnostics.workspace_diagnostics(
                c.service,
                workspace,
                c.default,
                include_check,
                check_timeout_secs,
                limit,
                min_severity,
                c.report,
            ),
            render.diagnostics,
        )

    async def rust_analyzer_format(
        ctx: Context[Any, Any], file_path: FileArg, apply: ApplyArg = False
    ) -> CallToolResult:
        """Format a file with rustfmt through rust-analyzer: a diff preview, written with apply=true."""
        return await answer(
            ctx,
            lambda c: changes.format_file(c.service, file_path, c.default, apply, c.report, c.confirm),
            render.edit,
        )

    async def rust_analyzer_rename(
        ctx: Context[Any, Any],
        new_name: Annotated[str, Field(description="The new identifier.")],
        file_path: OptionalFileArg = None,
        line: LineArg = None,
        column: ColumnArg = None,
        symbol: SymbolArg = None,
        workspace: WorkspaceArg = None,
        apply: ApplyArg = False,
    ) -> CallToolResult:
        """Rename a symbol everywhere it is used (semantic, across files): a diff preview of every change,
        written with apply=true."""
        target = spec(file_path, line, column, symbol, workspace)
        return await answer(
            ctx,
            lambda c: changes.rename(c.service, target, c.default, new_name, apply, c.report, c.confirm),
            render.edit,
        )

    async def rust_analyzer_ssr(
        ctx: Context[Any, Any],
        rule: Annotated[
            str,
            Field(
                description="`search ==>> replacement` with $placeholders, e.g. "
                '`$a.unwrap() ==>> $a.expect("x")`.'
            ),
        ],
        file_path: Annotated[
            str | None, Field(description="Only replace in this file (default: the workspace).")
        ] = None,
        workspace: WorkspaceArg = None,
        apply: ApplyArg = False,
    ) -> CallToolResult:
        """Structural search and replace: match code by syntax and meaning (not text) and rewrite it
        across the workspace (rust-analyzer does not look inside macro calls such as println!).
        Returns a diff preview; writes with apply=true."""
        return await answer(
            ctx,
            lambda c: changes.structural_replace(
                c.service, rule, file_path, workspace, c.default, apply, c.report, c.confirm
            ),
            render.edit,
        )

    async def rust_analyzer_code_actions(
        ctx: Context[Any, Any],
        file_path: FileArg,
        line: LineArg = None,
        column: ColumnArg = None,
        end_line: EndLineArg = None,
        end_column: EndColumnArg = None,
        symbol: SymbolArg = None,
        workspace: WorkspaceArg = None,
    ) -> CallToolResult:
        """Quick fixes and refactors rust-analyzer offers at a position or range, numbered; apply one with
        rust_analyzer_apply_code_action."""
        target = spec(file_path, line, column, symbol, workspace)
        return await answer(
            ctx,
            lambda c: changes.code_actions(c.service, target, end_line, end_column, c.default, c.report),
            render.code_actions,
        )

    async def rust_analyzer_apply_code_action(
        ctx: Context[Any, Any],
        file_path: FileArg,
        index: Annotated[
            int, Field(ge=0, description="The action's number from rust_analyzer_code_actions.")
        ],
        line: LineArg = None,
        column: ColumnArg = None,
        end_line: EndLineArg = None,
        end_column: EndColumnArg = None,
        symbol: SymbolArg = None,
        workspace: WorkspaceArg = None,
        title: Annotated[
            str | None,
            Field(
                description="The action's title as listed; if the code changed and "
                "the action at `index` differs, nothing is applied."
            ),
        ] = None,
        apply: ApplyArg = False,
    ) -> CallToolResult:
        """Resolve a code action at the same position as rust_analyzer_code_actions listed it: a diff
        preview, written with apply=true."""
        target = spec(file_path, line, column, symbol, workspace)
        return await answer(
            ctx,
            lambda c: changes.apply_code_action(
                c.service, target, end_line, end_column, index, title, c.default, apply, c.report, c.confirm
            ),
            render.edit,
        )

    async def rust_analyzer_set_workspace(
        ctx: Context[Any, Any],
        workspace_path: Annotated[
            str,
            Field(description="Workspace directory (or any directory inside it) within the allowed roots."),
        ],
    ) -> CallToolResult:
        """Choose this connection's default workspace (for tools without file_path), start rust-analyzer
        on it and wait until it is ready. Other clients are not affected."""
        state = memory.state(ctx)
        if state is None:
            return refusal_result(
                "this connection is stateless (protocol 2026-07-28 over HTTP); pass "
                "`workspace` or file_path with each call instead"
            )

        async def choose(c: Call) -> WorkspaceChoice:
            root, choice = await c.service.choose_workspace(workspace_path, c.default, c.report)
            state[DEFAULT_WORKSPACE] = root
            return choice

        return await answer(ctx, choose, render.workspace_choice)

    async def rust_analyzer_status(ctx: Context[Any, Any]) -> CallToolResult:
        """Health of the rust-analyzers this server runs: version, each workspace's readiness and current
        work (indexing %, cargo check), memory, restarts."""

        async def status(c: Call) -> AnalyzerStatus:
            return c.service.status(c.default)

        return await answer(ctx, status, render.status)

    async def rust_analyzer_unsafe_audit(
        ctx: Context[Any, Any],
        workspace: WorkspaceArg = None,
        package: Annotated[str | None, Field(description="Only this workspace member.")] = None,
        include_clippy: Annotated[bool, Field(description=AUDIT_CLIPPY)] = True,
    ) -> CallToolResult:
        """Audit unsafe code: every unsafe block, fn, impl, trait and extern block in the workspace (or
        one package) with its location, the item it sits in, whether a // SAFETY: comment or a # Safety
        doc section documents it, the unsafe operations inside it, and clippy's findings on it; totals
        per file."""
        return await answer(
            ctx,
            lambda c: audit.unsafe_audit(c.service, workspace, package, include_clippy, c.default, c.report),
            render.unsafe_audit,
        )

    functions = {
        fn.__name__: fn
        for fn in (
            rust_analyzer_symbols,
            rust_analyzer_definition,
            rust_analyzer_references,
            rust_analyzer_hover,
            rust_analyzer_completion,
            rust_analyzer_format,
            rust_analyzer_code_actions,
            rust_analyzer_diagnostics,
            rust_analyzer_workspace_diagnostics,
            rust_analyzer_set_workspace,
            rust_analyzer_rename,
            rust_analyzer_workspace_symbol,
            rust_analyzer_implementations,
            rust_analyzer_type_definition,
            rust_analyzer_call_hierarchy,
            rust_analyzer_expand_macro,
            rust_analyzer_runnables,
            rust_analyzer_related_tests,
            rust_analyzer_ssr,
            rust_analyzer_apply_code_action,
            rust_analyzer_status,
            rust_analyzer_unsafe_audit,
        )
    }
    tools = [
        strict_tool(
            functions[name],
            name=name,
            description=inspect.cleandoc(functions[name].__doc__ or ""),
            annotations=capabilities.annotations(
                capability, title=title, sandboxed=cargo.containment.sandbox.sandboxed, idempotent=idempotent
            ),
            output_model=model,
        )
        for name, (model, (capability, idempotent), title) in CATALOGUE.items()
    ]

    @asynccontextmanager
    async def lifespan(_: MCPServer[Any]) -> AsyncIterator[dict[str, Any]]:
        async with anyio.create_task_group() as group:
            if service is not None:
                group.start_soon(service.pool.evict_idle_forever)
            try:
                yield {}
            finally:
                if service is not None:
                    await service.pool.close_all()
                group.cancel_scope.cancel()

    server: MCPServer[Any] = MCPServer(
        "rust-analyzer-mcp", version=__version__, instructions=INSTRUCTIONS, tools=tools, lifespan=lifespan
    )
    register_prompts(server, "rust-analyzer")
    declare_sandbox_state_meta(server)
    return server
