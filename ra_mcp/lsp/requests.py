"""Typed questions to rust-analyzer: the only place LSP requests are built and answers normalised.

Each function takes the client and plain arguments (a file's path, an LSP position) and returns
typed values: `hover(...) -> Hover | None`, `definitions(...) -> list[Location]`, and so on. A
`Location` is what every location answer becomes (LocationLink or Location, one or a list), so
tools never see LSP JSON nor tell its variants apart. The requests of rust-analyzer's own
extensions (runnables, macro expansion, SSR) are built and read here too."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .lazy_types import lsp, plain

if TYPE_CHECKING:
    from collections.abc import Sequence

T = TypeVar("T")
FORMAT_TIMEOUT = 60.0
RENAME_TIMEOUT = 60.0
SSR_TIMEOUT = 120.0


class Requester(Protocol):
    """What the questions need of the client (lsp.AnalyzerClient)."""

    async def request(
        self, method: str, params: Any, timeout: float = 30.0, *, as_json: bool = False
    ) -> Any: ...

    def structure(self, value: Any, kind: type[T]) -> T: ...


@dataclass(frozen=True)
class Location:
    """One place an answer names: `range` to show (a link's selection, the name) and `whole`, the
    item's whole extent (a link's target range; a plain Location's range)."""

    uri: str
    range: lsp.Range
    whole: lsp.Range


@dataclass(frozen=True)
class Hover:
    """Hover's contents as one text (markdown when rust-analyzer sends markup)."""

    text: str
    markup: bool


@dataclass(frozen=True)
class Symbol:
    """A workspace symbol with a place in a file."""

    name: str
    kind: lsp.SymbolKind
    container: str | None
    uri: str
    range: lsp.Range


@dataclass(frozen=True)
class Runnable:
    """Something rust-analyzer can run (a test, bench, binary, doc test) and how cargo runs it."""

    label: str
    cargo_args: list[str]
    executable_args: list[str]
    location: Location | None


@dataclass(frozen=True)
class MacroExpansion:
    name: str | None
    expansion: str


def _document(path: Path) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri=path.as_uri())


def locations(answer: Any) -> list[Location]:
    """Any location answer (None, a Location, a LocationLink, a list of either) as Locations."""
    if answer is None:
        return []
    found = []
    for item in answer if isinstance(answer, list | tuple) else [answer]:
        if isinstance(item, lsp.LocationLink):
            found.append(Location(item.target_uri, item.target_selection_range, item.target_range))
        elif isinstance(item, lsp.Location):
            found.append(Location(item.uri, item.range, item.range))
    return found


# -- where things are -----------------------------------------------------------------------------


async def definitions(client: Requester, path: Path, position: lsp.Position) -> list[Location]:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_DEFINITION, lsp.DefinitionParams(text_document=_document(path), position=position)
    )
    return locations(answer)


async def type_definitions(client: Requester, path: Path, position: lsp.Position) -> list[Location]:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_TYPE_DEFINITION,
        lsp.TypeDefinitionParams(text_document=_document(path), position=position),
    )
    return locations(answer)


async def implementations(client: Requester, path: Path, position: lsp.Position) -> list[Location]:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_IMPLEMENTATION,
        lsp.ImplementationParams(text_document=_document(path), position=position),
    )
    return locations(answer)


async def references(
    client: Requester, path: Path, position: lsp.Position, include_declaration: bool
) -> list[Location]:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_REFERENCES,
        lsp.ReferenceParams(
            text_document=_document(path),
            position=position,
            context=lsp.ReferenceContext(include_declaration=include_declaration),
        ),
    )
    return locations(answer)


async def workspace_symbols(client: Requester, query: str) -> list[Symbol]:
    """Symbols matching `query` (rust-analyzer's syntax: a trailing `*` adds dependencies), those
    with a place in a file."""
    answer = await client.request(lsp.WORKSPACE_SYMBOL, lsp.WorkspaceSymbolParams(query=query))
    return [
        Symbol(s.name, s.kind, getattr(s, "container_name", None), s.location.uri, s.location.range)
        for s in answer or []
        if isinstance(s.location, lsp.Location)
    ]


async def document_symbols_json(client: Requester, path: Path) -> list[dict[str, Any]]:
    """A file's nested symbols as plain JSON (thousands of them: read only for the rows shown)."""
    answer = await client.request(
        lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL,
        lsp.DocumentSymbolParams(text_document=_document(path)),
        as_json=True,
    )
    return [s for s in answer or [] if isinstance(s, dict) and "selectionRange" in s]


async def document_symbols(client: Requester, path: Path) -> list[lsp.DocumentSymbol | lsp.SymbolInformation]:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL, lsp.DocumentSymbolParams(text_document=_document(path))
    )
    return list(answer or [])


# -- what a name means ----------------------------------------------------------------------------


async def hover(client: Requester, path: Path, position: lsp.Position) -> Hover | None:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_HOVER, lsp.HoverParams(text_document=_document(path), position=position)
    )
    if answer is None:
        return None
    contents = answer.contents
    if isinstance(contents, lsp.MarkupContent):
        return Hover(contents.value, True)
    if isinstance(contents, list):
        return Hover("\n\n".join(c if isinstance(c, str) else c.value for c in contents), False)
    return Hover(contents if isinstance(contents, str) else contents.value, False)


async def completions(client: Requester, path: Path, position: lsp.Position) -> list[lsp.CompletionItem]:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_COMPLETION,
        lsp.CompletionParams(text_document=_document(path), position=position),
        timeout=30,
    )
    return list(answer.items if isinstance(answer, lsp.CompletionList) else answer or [])


def _plain_position(path: Path, position: lsp.Position) -> dict[str, Any]:
    """A document and position as rust-analyzer's own requests take them: plain JSON."""
    spot = {"line": position.line, "character": position.character}
    return {"textDocument": {"uri": path.as_uri()}, "position": spot}


async def expand_macro(client: Requester, path: Path, position: lsp.Position) -> MacroExpansion | None:
    answer = plain(await client.request("rust-analyzer/expandMacro", _plain_position(path, position)))
    if not answer:
        return None
    return MacroExpansion(answer.get("name"), str(answer.get("expansion", "")))


async def semantic_tokens(client: Requester, path: Path) -> list[int]:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, lsp.SemanticTokensParams(text_document=_document(path))
    )
    return list(answer.data if answer else [])


# -- calls ----------------------------------------------------------------------------------------


async def prepare_call_hierarchy(
    client: Requester, path: Path, position: lsp.Position
) -> list[lsp.CallHierarchyItem]:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_PREPARE_CALL_HIERARCHY,
        lsp.CallHierarchyPrepareParams(text_document=_document(path), position=position),
    )
    return list(answer or [])


async def incoming_calls(
    client: Requester, item: lsp.CallHierarchyItem
) -> list[lsp.CallHierarchyIncomingCall]:
    answer = await client.request(
        lsp.CALL_HIERARCHY_INCOMING_CALLS, lsp.CallHierarchyIncomingCallsParams(item=item)
    )
    return list(answer or [])


async def outgoing_calls(
    client: Requester, item: lsp.CallHierarchyItem
) -> list[lsp.CallHierarchyOutgoingCall]:
    answer = await client.request(
        lsp.CALL_HIERARCHY_OUTGOING_CALLS, lsp.CallHierarchyOutgoingCallsParams(item=item)
    )
    return list(answer or [])


# -- what can run ---------------------------------------------------------------------------------


def _runnable(raw: dict[str, Any]) -> Runnable:
    args = raw.get("args") or {}
    cargo_args = [str(a) for a in args.get("cargoArgs") or []] + [
        str(a) for a in args.get("cargoExtraArgs") or []
    ]
    location = None
    link = raw.get("location")
    if link:
        uri = str(link.get("targetUri", ""))
        shown = _range(link["targetSelectionRange"]) if "targetSelectionRange" in link else None
        if shown is not None:
            location = Location(uri, shown, _range(link.get("targetRange", link["targetSelectionRange"])))
    return Runnable(
        label=str(raw.get("label", "")),
        cargo_args=cargo_args,
        executable_args=[str(a) for a in args.get("executableArgs") or []],
        location=location,
    )


def _range(raw: dict[str, Any]) -> lsp.Range:
    return lsp.Range(start=lsp.Position(**raw["start"]), end=lsp.Position(**raw["end"]))


async def runnables(client: Requester, path: Path, position: lsp.Position | None) -> list[Runnable]:
    """What can run in a file, or at a position of it."""
    params: dict[str, Any] = {"textDocument": {"uri": path.as_uri()}}
    if position is not None:
        params["position"] = {"line": position.line, "character": position.character}
    answer = plain(await client.request("experimental/runnables", params))
    return [_runnable(raw) for raw in answer or []]


async def related_tests(client: Requester, path: Path, position: lsp.Position) -> list[Runnable]:
    answer = plain(await client.request("rust-analyzer/relatedTests", _plain_position(path, position)))
    return [_runnable(item["runnable"]) for item in answer or [] if "runnable" in item]


# -- changes --------------------------------------------------------------------------------------


async def formatting(client: Requester, path: Path) -> list[lsp.TextEdit]:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_FORMATTING,
        lsp.DocumentFormattingParams(
            text_document=_document(path), options=lsp.FormattingOptions(tab_size=4, insert_spaces=True)
        ),
        timeout=FORMAT_TIMEOUT,
    )
    return list(answer or [])


async def can_rename(client: Requester, path: Path, position: lsp.Position) -> bool:
    """Whether there is something to rename at the position (errors are raised as they come)."""
    answer = await client.request(
        lsp.TEXT_DOCUMENT_PREPARE_RENAME,
        lsp.PrepareRenameParams(text_document=_document(path), position=position),
    )
    return answer is not None


async def rename(client: Requester, path: Path, position: lsp.Position, new_name: str) -> lsp.WorkspaceEdit:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_RENAME,
        lsp.RenameParams(text_document=_document(path), position=position, new_name=new_name),
        timeout=RENAME_TIMEOUT,
    )
    return answer or lsp.WorkspaceEdit()


async def structural_replace(
    client: Requester, rule: str, context: Path, selections: Sequence[lsp.Range]
) -> lsp.WorkspaceEdit:
    """rust-analyzer's structural search and replace, its paths resolved in `context`'s crate."""
    answer = await client.request(
        "experimental/ssr",
        {
            "query": rule,
            "parseOnly": False,
            "textDocument": {"uri": context.as_uri()},
            "position": {"line": 0, "character": 0},
            "selections": [
                {
                    "start": {"line": s.start.line, "character": s.start.character},
                    "end": {"line": s.end.line, "character": s.end.character},
                }
                for s in selections
            ],
        },
        timeout=SSR_TIMEOUT,
    )
    return client.structure(answer, lsp.WorkspaceEdit)


async def code_actions(
    client: Requester, path: Path, span: lsp.Range, diagnostics: list[lsp.Diagnostic]
) -> list[lsp.CodeAction]:
    """The code actions (never bare commands) for a range, told the diagnostics on it."""
    answer = await client.request(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionParams(
            text_document=_document(path),
            range=span,
            context=lsp.CodeActionContext(
                diagnostics=diagnostics, trigger_kind=lsp.CodeActionTriggerKind.Invoked
            ),
        ),
    )
    return [a for a in answer or [] if isinstance(a, lsp.CodeAction)]


async def resolve_code_action(client: Requester, action: lsp.CodeAction) -> lsp.CodeAction:
    resolved: lsp.CodeAction = await client.request(lsp.CODE_ACTION_RESOLVE, action)
    return resolved


# -- diagnostics ----------------------------------------------------------------------------------


async def file_diagnostics(client: Requester, path: Path, timeout: float) -> list[lsp.Diagnostic]:
    """rust-analyzer's own diagnostics of one file (a pull)."""
    report = await client.request(
        lsp.TEXT_DOCUMENT_DIAGNOSTIC,
        lsp.DocumentDiagnosticParams(text_document=_document(path)),
        timeout=timeout,
    )
    return list(getattr(report, "items", None) or [])
