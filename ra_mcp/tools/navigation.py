"""Read-only questions: definitions, references, hover, symbols, completion, call hierarchy, macro
expansion, runnables. Each takes the service, a target and options, and returns a model."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from rust_mcp.core.errors import Refusal

from ..analyzer import AnalyzerService, TargetSpec
from ..lsp import plain
from ..models import (
    CallEntry,
    CallHierarchyResult,
    CompletionEntry,
    CompletionList,
    HoverResult,
    LocationList,
    MacroExpansion,
    ReferenceGroup,
    ReferenceResult,
    RunnableEntry,
    RunnableList,
    SymbolNode,
    SymbolOutline,
)
from ..positions import to_lsp, uri_to_path
from ..workspaces import ProgressCallback, Workspace

BODY_LIMIT = 4000
HOVER_LIMIT = 6000
TYPE_KINDS = frozenset(
    {
        lsp.SymbolKind.Struct,
        lsp.SymbolKind.Enum,
        lsp.SymbolKind.Interface,
        lsp.SymbolKind.Class,
        lsp.SymbolKind.TypeParameter,
        lsp.SymbolKind.Object,
    }
)
GOTO_METHODS = {
    "definition": (lsp.TEXT_DOCUMENT_DEFINITION, lsp.DefinitionParams),
    "type definition": (lsp.TEXT_DOCUMENT_TYPE_DEFINITION, lsp.TypeDefinitionParams),
    "implementations": (lsp.TEXT_DOCUMENT_IMPLEMENTATION, lsp.ImplementationParams),
}


def kind_name(kind: int | None) -> str | None:
    if kind is None:
        return None
    try:
        return lsp.SymbolKind(kind).name.lower()
    except ValueError:
        return str(kind)


def _spans(result: Any) -> list[tuple[str, lsp.Range, lsp.Range]]:
    """(uri, range to show, range to take a body from) for Location / LocationLink answers."""
    if result is None:
        return []
    items = result if isinstance(result, list | tuple) else [result]
    spans = []
    for item in items:
        if isinstance(item, lsp.LocationLink):
            spans.append((item.target_uri, item.target_selection_range, item.target_range))
        elif isinstance(item, lsp.Location):
            spans.append((item.uri, item.range, item.range))
    return spans


async def goto(
    service: AnalyzerService,
    what: str,
    spec: TargetSpec,
    default: Path | None,
    include_body: bool,
    report: ProgressCallback | None,
) -> LocationList:
    method, params_type = GOTO_METHODS[what]

    async def operation(workspace: Workspace) -> LocationList:
        target = await service.target(workspace, spec, default)
        result = await workspace.client.request(
            method, params_type(text_document=target.document, position=target.position)
        )
        spans = _spans(result)
        locations = [service.location(uri, shown, workspace.root) for uri, shown, _ in spans]
        bodies = None
        if include_body:
            bodies = [
                service.body(uri, _item_range(service, uri, whole), BODY_LIMIT) for uri, _, whole in spans
            ]
        note = None if locations else f"rust-analyzer found no {what} at {target.label}"
        return LocationList(
            query=f"{what} of {target.label}",
            locations=locations,
            total=len(locations),
            note=note,
            bodies=bodies,
        )

    return await service.run(service.root_of_spec(spec, default), operation, report)


def _item_range(service: AnalyzerService, uri: str, span: lsp.Range) -> lsp.Range:
    """Definitions point at a name; for a body, widen a one-line span to the item it names (up to
    the line that closes the first brace opened after it)."""
    if span.end.line > span.start.line:
        return span
    lines = service.sources.get(uri_to_path(uri)).lines
    depth = 0
    opened = False
    for number in range(span.start.line, min(len(lines), span.start.line + 400)):
        text = lines[number]
        depth += text.count("{") - text.count("}")
        opened = opened or "{" in text
        if (opened and depth <= 0) or (not opened and text.rstrip().endswith(";")):
            return lsp.Range(start=span.start, end=lsp.Position(line=number, character=len(text)))
    return span


async def references(
    service: AnalyzerService,
    spec: TargetSpec,
    default: Path | None,
    include_declaration: bool,
    limit: int,
    report: ProgressCallback | None,
) -> ReferenceResult:
    async def operation(workspace: Workspace) -> ReferenceResult:
        target = await service.target(workspace, spec, default)
        result = await workspace.client.request(
            lsp.TEXT_DOCUMENT_REFERENCES,
            lsp.ReferenceParams(
                text_document=target.document,
                position=target.position,
                context=lsp.ReferenceContext(include_declaration=include_declaration),
            ),
        )
        found = sorted(
            result or [], key=lambda loc: (loc.uri, loc.range.start.line, loc.range.start.character)
        )
        groups: dict[str, ReferenceGroup] = {}
        for index, item in enumerate(found):
            path = service.display(uri_to_path(item.uri), workspace.root)
            group = groups.setdefault(path, ReferenceGroup(path=path, count=0, locations=[]))
            group.count += 1
            if index < limit:
                group.locations.append(service.location(item.uri, item.range, workspace.root))
        note = None
        if len(found) > limit:
            note = f"{len(found)} references; the first {limit} are listed (pass a larger limit for more)"
        elif not found:
            note = f"no references to the symbol at {target.label}"
        return ReferenceResult(
            query=f"references to {target.label}",
            total=len(found),
            files=len(groups),
            groups=list(groups.values()),
            note=note,
        )

    return await service.run(service.root_of_spec(spec, default), operation, report)


async def hover(
    service: AnalyzerService, spec: TargetSpec, default: Path | None, report: ProgressCallback | None
) -> HoverResult:
    async def operation(workspace: Workspace) -> HoverResult:
        target = await service.target(workspace, spec, default)
        result = await workspace.client.request(
            lsp.TEXT_DOCUMENT_HOVER, lsp.HoverParams(text_document=target.document, position=target.position)
        )
        if result is None:
            return HoverResult(query=f"hover at {target.label}", found=False)
        contents = result.contents
        if isinstance(contents, lsp.MarkupContent):
            text = contents.value
        elif isinstance(contents, list):
            text = "\n\n".join(c if isinstance(c, str) else c.value for c in contents)
        else:
            text = contents if isinstance(contents, str) else contents.value
        text = text.strip()
        if len(text) > HOVER_LIMIT:
            text = text[:HOVER_LIMIT] + f"\n[... {len(text) - HOVER_LIMIT} more characters]"
        return HoverResult(query=f"hover at {target.label}", found=True, markdown=text)

    return await service.run(service.root_of_spec(spec, default), operation, report)


async def document_symbols(
    service: AnalyzerService,
    file_path: str,
    default: Path | None,
    include_bodies: bool,
    report: ProgressCallback | None,
) -> SymbolOutline:
    path = service.rust_file(file_path, default)
    root = service.pool.root_for(path)

    async def operation(workspace: Workspace) -> SymbolOutline:
        result = await workspace.client.request(
            lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL,
            lsp.DocumentSymbolParams(text_document=lsp.TextDocumentIdentifier(uri=path.as_uri())),
        )
        uri = path.as_uri()

        def node(symbol: lsp.DocumentSymbol, depth: int) -> SymbolNode:
            line, column = symbol.selection_range.start.line + 1, symbol.selection_range.start.character + 1
            return SymbolNode(
                name=symbol.name,
                kind=kind_name(symbol.kind) or "?",
                detail=symbol.detail,
                line=line,
                column=column,
                end_line=symbol.range.end.line + 1,
                children=[node(child, depth + 1) for child in symbol.children or []] if depth < 2 else [],
                body=service.body(uri, symbol.range, BODY_LIMIT) if include_bodies and depth == 0 else None,
            )

        symbols = [node(s, 0) for s in result or [] if isinstance(s, lsp.DocumentSymbol)]
        total = _count(symbols)
        return SymbolOutline(
            path=service.display(path, workspace.root),
            symbols=symbols,
            total=total,
            note=None if symbols else "no symbols in this file",
        )

    return await service.run(root, operation, report)


def _count(nodes: Sequence[SymbolNode]) -> int:
    return sum(1 + _count(n.children) for n in nodes)


async def completion(
    service: AnalyzerService,
    spec: TargetSpec,
    default: Path | None,
    limit: int,
    report: ProgressCallback | None,
) -> CompletionList:
    async def operation(workspace: Workspace) -> CompletionList:
        target = await service.target(workspace, spec, default)
        result = await workspace.client.request(
            lsp.TEXT_DOCUMENT_COMPLETION,
            lsp.CompletionParams(text_document=target.document, position=target.position),
            timeout=30,
        )
        items = result.items if isinstance(result, lsp.CompletionList) else list(result or [])
        items = sorted(items, key=lambda i: (i.sort_text or i.label, i.label))
        entries = []
        for item in items[:limit]:
            kind = lsp.CompletionItemKind(item.kind).name.lower() if item.kind else None
            detail = item.detail or (item.label_details.detail if item.label_details else None)
            entries.append(CompletionEntry(label=item.label, kind=kind, detail=detail))
        note = f"{len(items)} completions; the first {limit} by relevance" if len(items) > limit else None
        return CompletionList(
            query=f"completions at {target.label}", items=entries, total=len(items), note=note
        )

    return await service.run(service.root_of_spec(spec, default), operation, report)


async def workspace_symbols(
    service: AnalyzerService,
    query: str,
    workspace_dir: str | None,
    default: Path | None,
    types_only: bool,
    with_dependencies: bool,
    limit: int,
    report: ProgressCallback | None,
) -> LocationList:
    text = query.strip()
    if not text or any(ch in text for ch in "#*\x00"):
        raise Refusal("query must be a symbol name or part of one (no '#', '*' or empty text)")
    root = service.workspace_root(workspace_dir, default)

    async def operation(workspace: Workspace) -> LocationList:
        # rust-analyzer's query syntax: a trailing `*` also searches dependencies
        sent = text + ("*" if with_dependencies else "")
        result = await workspace.client.request(lsp.WORKSPACE_SYMBOL, lsp.WorkspaceSymbolParams(query=sent))
        found = [s for s in result or [] if isinstance(s.location, lsp.Location)]
        if types_only:
            found = [s for s in found if s.kind in TYPE_KINDS]
        exact_first = sorted(found, key=lambda s: (s.name != text, s.name.lower() != text.lower(), s.name))
        locations = [
            service.location(
                s.location.uri,
                s.location.range,
                workspace.root,
                name=s.name,
                kind=kind_name(s.kind),
                container=getattr(s, "container_name", None),
            )
            for s in exact_first[:limit]
        ]
        note = None
        if len(found) > limit:
            note = f"{len(found)} matches; the first {limit} are listed"
        elif not found:
            note = f"no symbols match {text!r}" + (
                ""
                if with_dependencies
                else " in the workspace (with_dependencies=true also searches dependencies)"
            )
        scope = "workspace and dependencies" if with_dependencies else "workspace"
        kinds = "types" if types_only else "symbols"
        return LocationList(
            query=f"{kinds} matching {text!r} in the {scope}",
            locations=locations,
            total=len(found),
            note=note,
        )

    return await service.run(root, operation, report)


async def call_hierarchy(
    service: AnalyzerService,
    spec: TargetSpec,
    default: Path | None,
    direction: str,
    limit: int,
    report: ProgressCallback | None,
) -> CallHierarchyResult:
    async def operation(workspace: Workspace) -> CallHierarchyResult:
        target = await service.target(workspace, spec, default)
        prepared = await workspace.client.request(
            lsp.TEXT_DOCUMENT_PREPARE_CALL_HIERARCHY,
            lsp.CallHierarchyPrepareParams(text_document=target.document, position=target.position),
        )
        if not prepared:
            return CallHierarchyResult(
                query=f"calls of {target.label}", item=None, note=f"no function or method at {target.label}"
            )
        item = prepared[0]

        def entry(node: lsp.CallHierarchyItem, sites_uri: str, sites: Sequence[lsp.Range]) -> CallEntry:
            return CallEntry(
                name=node.name,
                kind=kind_name(node.kind) or "?",
                detail=node.detail,
                location=service.location(node.uri, node.selection_range, workspace.root),
                call_sites=[service.location(sites_uri, r, workspace.root) for r in sites[:limit]],
            )

        result = CallHierarchyResult(query=f"calls of {target.label}", item=entry(item, item.uri, []))
        if direction in ("incoming", "both"):
            calls = await workspace.client.request(
                lsp.CALL_HIERARCHY_INCOMING_CALLS, lsp.CallHierarchyIncomingCallsParams(item=item)
            )
            result.incoming = [entry(c.from_, c.from_.uri, c.from_ranges) for c in (calls or [])[:limit]]
        if direction in ("outgoing", "both"):
            calls = await workspace.client.request(
                lsp.CALL_HIERARCHY_OUTGOING_CALLS, lsp.CallHierarchyOutgoingCallsParams(item=item)
            )
            result.outgoing = [entry(c.to, item.uri, c.from_ranges) for c in (calls or [])[:limit]]
        return result

    return await service.run(service.root_of_spec(spec, default), operation, report)


async def expand_macro(
    service: AnalyzerService, spec: TargetSpec, default: Path | None, report: ProgressCallback | None
) -> MacroExpansion:
    async def operation(workspace: Workspace) -> MacroExpansion:
        target = await service.target(workspace, spec, default)
        result = plain(
            await workspace.client.request(
                "rust-analyzer/expandMacro",
                {
                    "textDocument": {"uri": target.document.uri},
                    "position": {"line": target.position.line, "character": target.position.character},
                },
            )
        )
        if not result:
            return MacroExpansion(
                query=f"macro at {target.label}",
                name=None,
                expansion=None,
                note=f"no macro call or derive at {target.label}; point at the macro's name",
            )
        expansion = str(result.get("expansion", ""))
        return MacroExpansion(
            query=f"macro at {target.label}", name=result.get("name"), expansion=expansion[:20_000]
        )

    return await service.run(service.root_of_spec(spec, default), operation, report)


def _runnable(service: AnalyzerService, raw: dict[str, Any], root: Path) -> RunnableEntry:
    args = raw.get("args") or {}
    cargo_args = [str(a) for a in args.get("cargoArgs") or []] + [
        str(a) for a in args.get("cargoExtraArgs") or []
    ]
    executable_args = [str(a) for a in args.get("executableArgs") or []]
    command = (
        "cargo " + shlex.join(cargo_args) + (" -- " + shlex.join(executable_args) if executable_args else "")
    )
    location = None
    if raw.get("location"):
        link = raw["location"]
        span = lsp.Range(
            start=lsp.Position(**link["targetSelectionRange"]["start"]),
            end=lsp.Position(**link["targetSelectionRange"]["end"]),
        )
        location = service.location(link["targetUri"], span, root)
    label = str(raw.get("label", ""))
    return RunnableEntry(
        label=label,
        kind=label.split(" ", 1)[0],
        location=location,
        cargo_args=cargo_args,
        executable_args=executable_args,
        command=command,
    )


async def runnables(
    service: AnalyzerService,
    file_path: str,
    line: int | None,
    column: int | None,
    default: Path | None,
    report: ProgressCallback | None,
) -> RunnableList:
    path = service.rust_file(file_path, default)

    async def operation(workspace: Workspace) -> RunnableList:
        params: dict[str, Any] = {"textDocument": {"uri": path.as_uri()}}
        label = service.display(path, workspace.root)
        if line is not None:
            spot = to_lsp(service.sources.get(path), line, column or 1)
            params["position"] = {"line": spot.line, "character": spot.character}
            label += f":{line}"
        result = plain(await workspace.client.request("experimental/runnables", params))
        entries = [_runnable(service, raw, workspace.root) for raw in result or []]
        return RunnableList(
            query=f"runnables in {label}",
            runnables=entries,
            note=None if entries else f"nothing to run or test in {label}",
        )

    return await service.run(service.pool.root_for(path), operation, report)


async def related_tests(
    service: AnalyzerService, spec: TargetSpec, default: Path | None, report: ProgressCallback | None
) -> RunnableList:
    async def operation(workspace: Workspace) -> RunnableList:
        target = await service.target(workspace, spec, default)
        result = plain(
            await workspace.client.request(
                "rust-analyzer/relatedTests",
                {
                    "textDocument": {"uri": target.document.uri},
                    "position": {"line": target.position.line, "character": target.position.character},
                },
            )
        )
        entries = [
            _runnable(service, item["runnable"], workspace.root)
            for item in result or []
            if "runnable" in item
        ]
        return RunnableList(
            query=f"tests related to {target.label}",
            runnables=entries,
            note=None if entries else f"no tests exercise the item at {target.label}",
        )

    return await service.run(service.root_of_spec(spec, default), operation, report)
