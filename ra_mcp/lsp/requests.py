"""Typed questions to rust-analyzer: with lsp/change_requests.py, the only place LSP requests are
built and answers normalised (lsp/answers.py says into what).

Each function takes the client and plain arguments (a file's path, an LSP position) and returns
typed values: `hover(...) -> Hover | None`, `definitions(...) -> list[Location]`, and so on, so tools
never see LSP JSON nor tell its variants apart. The requests of rust-analyzer's own extensions
(runnables, related tests, macro expansion) are built and read here too, and how every message
reaches rust-analyzer: a loop turn's messages in one write (BatchedWrites)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .answers import (
    Hover,
    Location,
    MacroExpansion,
    Requester,
    Runnable,
    Symbol,
    runnable,
)
from .lazy_types import lsp, plain

if TYPE_CHECKING:
    from lsprotocol.types import CallHierarchyItem as Item  # a function or method in the hierarchy


def document(path: Path) -> lsp.TextDocumentIdentifier:
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
        lsp.TEXT_DOCUMENT_DEFINITION, lsp.DefinitionParams(text_document=document(path), position=position)
    )
    return locations(answer)


async def type_definitions(client: Requester, path: Path, position: lsp.Position) -> list[Location]:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_TYPE_DEFINITION,
        lsp.TypeDefinitionParams(text_document=document(path), position=position),
    )
    return locations(answer)


async def implementations(client: Requester, path: Path, position: lsp.Position) -> list[Location]:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_IMPLEMENTATION,
        lsp.ImplementationParams(text_document=document(path), position=position),
    )
    return locations(answer)


async def references(
    client: Requester, path: Path, position: lsp.Position, include_declaration: bool
) -> list[Location]:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_REFERENCES,
        lsp.ReferenceParams(
            text_document=document(path),
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
        lsp.DocumentSymbolParams(text_document=document(path)),
        as_json=True,
    )
    return [s for s in answer or [] if isinstance(s, dict) and "selectionRange" in s]


async def document_symbols(client: Requester, path: Path) -> list[lsp.DocumentSymbol | lsp.SymbolInformation]:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL, lsp.DocumentSymbolParams(text_document=document(path))
    )
    return list(answer or [])


# -- what a name means ----------------------------------------------------------------------------


async def hover(client: Requester, path: Path, position: lsp.Position) -> Hover | None:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_HOVER, lsp.HoverParams(text_document=document(path), position=position)
    )
    if answer is None:
        return None
    contents = answer.contents
    if isinstance(contents, lsp.MarkupContent):
        return Hover(without_guessed_traits(contents.value), True)
    if isinstance(contents, list):
        return Hover("\n\n".join(c if isinstance(c, str) else c.value for c in contents), False)
    return Hover(contents if isinstance(contents, str) else contents.value, False)


SECTION_RULE = "\n\n---\n\n"  # between the sections of a hover's markdown
NOTABLE_TRAITS = "Implements notable traits:"
UNKNOWN_TYPE = "{unknown}"


def without_guessed_traits(markdown: str) -> str:
    """`markdown` without a notable-traits section that rests on unknown types. On a generic item
    hovered where it is declared (`fn join<A, B>`, `struct Pair<A, B>`) rust-analyzer fills the
    parameters with `{unknown}`, and an unknown type "implements" every notable trait: it says a
    struct that implements none implements `Future`, `Iterator`, `Read` and `Write`
    (rust-lang/rust-analyzer#20552, #22348; seen on futures-util). An agent reads that as fact; a
    section about known types (a variable's hover) is kept."""
    sections = markdown.split(SECTION_RULE)
    kept = [
        section
        for section in sections
        if not (section.lstrip().startswith(NOTABLE_TRAITS) and UNKNOWN_TYPE in section)
    ]
    return markdown if len(kept) == len(sections) else SECTION_RULE.join(kept)


async def completions(client: Requester, path: Path, position: lsp.Position) -> list[lsp.CompletionItem]:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_COMPLETION,
        lsp.CompletionParams(text_document=document(path), position=position),
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
        lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, lsp.SemanticTokensParams(text_document=document(path))
    )
    return list(answer.data if answer else [])


# -- calls ----------------------------------------------------------------------------------------


async def prepare_call_hierarchy(
    client: Requester, path: Path, position: lsp.Position
) -> list[lsp.CallHierarchyItem]:
    answer = await client.request(
        lsp.TEXT_DOCUMENT_PREPARE_CALL_HIERARCHY,
        lsp.CallHierarchyPrepareParams(text_document=document(path), position=position),
    )
    return list(answer or [])


async def incoming_calls(client: Requester, item: Item) -> list[lsp.CallHierarchyIncomingCall]:
    params = lsp.CallHierarchyIncomingCallsParams(item=item)
    return list(await client.request(lsp.CALL_HIERARCHY_INCOMING_CALLS, params) or [])


async def outgoing_calls(client: Requester, item: Item) -> list[lsp.CallHierarchyOutgoingCall]:
    params = lsp.CallHierarchyOutgoingCallsParams(item=item)
    return list(await client.request(lsp.CALL_HIERARCHY_OUTGOING_CALLS, params) or [])


# -- what can run ---------------------------------------------------------------------------------


async def runnables(client: Requester, path: Path, position: lsp.Position | None) -> list[Runnable]:
    """What can run in a file, or at a position of it."""
    params: dict[str, Any] = {"textDocument": {"uri": path.as_uri()}}
    if position is not None:
        params["position"] = {"line": position.line, "character": position.character}
    answer = plain(await client.request("experimental/runnables", params))
    return [runnable(raw) for raw in answer or []]


async def related_tests(client: Requester, path: Path, position: lsp.Position) -> list[Runnable]:
    answer = plain(await client.request("rust-analyzer/relatedTests", _plain_position(path, position)))
    return [runnable(item["runnable"]) for item in answer or [] if "runnable" in item]


# -- diagnostics ----------------------------------------------------------------------------------


async def file_diagnostics(
    client: Requester, path: Path, timeout: float, strict: bool = False
) -> list[lsp.Diagnostic]:
    """rust-analyzer's own diagnostics of one file (a pull); `strict`: within `timeout` (client.request)."""
    report = await client.request(
        lsp.TEXT_DOCUMENT_DIAGNOSTIC,
        lsp.DocumentDiagnosticParams(text_document=document(path)),
        timeout=timeout,
        strict=strict,
    )
    return list(getattr(report, "items", None) or [])


async def analyzer_status(client: Requester, timeout: float) -> str:
    """rust-analyzer's status text for no file (no analysis asked: cheap). rust-analyzer sends its
    answer after everything it sent before, so once it is in, all of that has been handled: the
    flycheck wait uses it to know a check's last publishes are in (workspace/flycheck.py)."""
    answer = await client.request("rust-analyzer/analyzerStatus", {"textDocument": None}, timeout=timeout)
    return answer if isinstance(answer, str) else ""


# -- how they reach rust-analyzer -----------------------------------------------------------------


class BatchedWrites:
    """pygls's writer to rust-analyzer's stdin: the messages of one turn of the event loop written in
    one chunk, in order (an edit's didChange still before the request after it), at the end of that
    turn (issue 23). A hover's two requests (the hover, and where its symbol is defined) then reach
    rust-analyzer together: written one by one, the first woke rust-analyzer, which on a loaded
    machine took the CPU from us, and the second waited for our next time slice (5 to 17 ms of
    `write` a hover in bench.after_first's profile)."""

    def __init__(self, sink: asyncio.StreamWriter) -> None:
        self.sink = sink
        self.loop = asyncio.get_running_loop()  # made where the client starts, on its loop
        self.pending: list[bytes] = []
        self.batches = 0  # chunks written

    def write(self, data: bytes) -> None:
        if not self.pending:
            self.loop.call_soon(self.flush)
        self.pending.append(data)

    def flush(self) -> None:
        if self.pending:
            self.sink.write(b"".join(self.pending))
            self.pending.clear()
            self.batches += 1

    def close(self) -> None:
        self.flush()
        self.sink.close()
